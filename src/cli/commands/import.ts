import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { importImage } from '../../app/index.js';
import { layerFromDirectory } from '../../host/index.js';
import { Layer, type LayerHistory } from '../../layer/index.js';
import { shortId } from '../render/format.js';
import { UsageError } from '../errors.js';
import type { CommandSpec } from './common.js';

export const importCommand: CommandSpec = {
  command: 'import <source> [name]',
  describe: 'Make a one-layer image from a rootfs tar (plain or gzip; - for stdin) or a host directory',
  builder: (y) =>
    y
      .positional('source', { type: 'string', describe: 'rootfs tar file, - (stdin) or directory' })
      .positional('name', { type: 'string', describe: 'name[:tag] of the new image (tag defaults to latest)' })
      .option('message', { alias: 'm', type: 'string', describe: 'comment for the history entry' })
      .option('author', { type: 'string', describe: 'author of the image' }),
  examples: [
    ['overlay import rootfs.tar base:1.0', 'import a root filesystem tar'],
    ['overlay import ./site web:latest -m "static site"', 'import a host directory'],
  ],
  async run(ctx) {
    const source = ctx.str('source');
    if (source === '') throw new UsageError('the source is an empty string (use - for stdin)');
    const name = ctx.optStr('name');
    const created = new Date(ctx.clock()).toISOString();
    const history: LayerHistory = { created, createdBy: `overlay import ${source === '-' ? '-' : basename(source)}` };
    const comment = ctx.optStr('message');
    if (comment !== undefined) history.comment = comment;
    const author = ctx.optStr('author');
    if (author !== undefined) history.author = author;

    // Read once, in bounded memory: a tar's file data goes straight to a data pack of the
    // store as it is parsed, a directory's files are read only while the layer is stored.
    const { image, diffId, layer } = await ctx.withStore(async (store) => {
      let layer: Layer;
      if (source === '-') {
        if (ctx.io.stdinIsTTY) throw new UsageError('no rootfs tar: give a file, or pipe one to stdin');
        const progress = ctx.progress('reading stdin');
        try {
          layer = await store.readLayer(counted(ctx.io.stdinChunks?.() ?? oneChunk(await ctx.io.readStdin()), (n) => progress.tick(n)), history);
        } finally {
          progress.done();
        }
      } else {
        const path = resolve(ctx.io.cwd, source);
        if (!existsSync(path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${source}'`), { code: 'ENOENT', path: source });
        if (statSync(path).isDirectory()) {
          layer = layerFromDirectory(path, {
            history,
            onSkip: (p, why) => ctx.warn(`import: skipped ${p} (${why}: not representable in a layer)`),
          });
        } else {
          const progress = ctx.progress(`reading ${source}`, statSync(path).size);
          try {
            layer = await store.readLayer(counted(createReadStream(path, { highWaterMark: 1 << 20 }), (n) => progress.tick(n)), history);
          } finally {
            progress.done();
          }
        }
      }
      // Hashing, compressing and writing are one pass over the layer's tar (and, for a
      // directory, one copy of its files into the store first): one bar, its total known.
      const progress = ctx.progress('storing layer');
      try {
        const stored = await importImage(store, { layer, created, progress, ...(name === undefined ? {} : { name }), ...(author === undefined ? {} : { author }) });
        return { ...stored, layer };
      } finally {
        progress.done();
      }
    });
    if (ctx.json) {
      ctx.printJson({ id: image.id, names: image.names, manifest: image.manifestDigest, diffId, entries: layer.entryCount, size: layer.size });
    } else {
      ctx.out(image.id);
      if (image.names.length === 0) ctx.warn(`import: image ${shortId(image.id)} has no name; give one with "overlay tag ${shortId(image.id)} NAME"`);
    }
  },
};

/** The chunks of a stream, counted as they pass (for the progress bar). */
async function* counted(stream: AsyncIterable<unknown>, tick: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    const bytes = chunk as Uint8Array;
    tick(bytes.length);
    yield bytes;
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
