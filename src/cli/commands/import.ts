import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { importImage } from '../../app/index.js';
import { layerFromDirectory } from '../../host/index.js';
import { Layer, type LayerHistory } from '../../layer/index.js';
import { shortId } from '../render/format.js';
import { UsageError } from '../errors.js';
import { stdinArchive, type CommandSpec } from './common.js';

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

    let layer: Layer;
    if (source === '-') {
      layer = await Layer.fromTar(await stdinArchive(ctx, 'rootfs tar'), { history });
    } else {
      const path = resolve(ctx.io.cwd, source);
      if (!existsSync(path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${source}'`), { code: 'ENOENT', path: source });
      if (statSync(path).isDirectory()) {
        const progress = ctx.progress(`importing ${source}`);
        try {
          layer = layerFromDirectory(path, {
            history,
            onFile: (_p, bytes) => progress.tick(bytes),
            onSkip: (p, why) => ctx.warn(`import: skipped ${p} (${why}: not representable in a layer)`),
          });
        } finally {
          progress.done();
        }
      } else {
        const progress = ctx.progress(`reading ${source}`, statSync(path).size);
        try {
          layer = await Layer.fromTar(counted(createReadStream(path), (n) => progress.tick(n)), { history });
        } finally {
          progress.done();
        }
      }
    }
    const image = await ctx.withStore(async (store) => {
      const progress = ctx.progress('storing layer', layer.size);
      try {
        return await importImage(store, { layer, created, progress, ...(name === undefined ? {} : { name }), ...(author === undefined ? {} : { author }) });
      } finally {
        progress.done();
      }
    });
    if (ctx.json) {
      ctx.printJson({ id: image.id, names: image.names, manifest: image.manifestDigest, diffId: layer.diffId, entries: layer.entryCount, size: layer.size });
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
