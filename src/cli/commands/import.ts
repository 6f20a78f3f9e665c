import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { importImage, type ImportInput } from '../../app/index.js';
import { layerFromDirectory } from '../../host/index.js';
import type { LayerHistory } from '../../layer/index.js';
import { shortId } from '../render/format.js';
import { UsageError } from '../errors.js';
import { hostInput, type CommandSpec } from './common.js';

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
    const from = ctx.str('source');
    if (from === '') throw new UsageError('the source is an empty string (use - for stdin)');
    const name = ctx.optStr('name');
    const created = new Date(ctx.clock()).toISOString();
    const history: LayerHistory = { created, createdBy: `overlay import ${from === '-' ? '-' : basename(from)}` };
    const comment = ctx.optStr('message');
    if (comment !== undefined) history.comment = comment;
    const author = ctx.optStr('author');
    if (author !== undefined) history.author = author;

    // Read once, in bounded memory: a tar's bytes are hashed, compressed (unless gzip already)
    // and written as they stream in, its file data going to the store's data pack; a
    // directory's files are read only while the layer is stored.
    const { image, diffId, layer } = await ctx.withStore(async (store) => {
      let source: ImportInput['source'];
      let total = 0;
      if (from === '-') {
        if (ctx.io.stdinIsTTY) throw new UsageError('no rootfs tar: give a file, or pipe one to stdin');
        source = { tar: ctx.io.stdinChunks?.() ?? oneChunk(await ctx.io.readStdin()) };
      } else {
        const { path, directory } = hostInput(ctx, from);
        if (directory) {
          const layer = layerFromDirectory(path, { onSkip: (p, why) => ctx.warn(`import: skipped ${p} (${why}: not representable in a layer)`) });
          source = { layer };
        } else {
          total = statSync(path).size;
          source = { tar: createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array> };
        }
      }
      // Reading, hashing, compressing and writing are one pass: one bar, its total the bytes
      // of the source (a directory's: its files' bytes and then its tar's, set by the store).
      const progress = ctx.progress(`importing ${from}`, total);
      try {
        return await importImage(store, { source, history, created, progress, ...(name === undefined ? {} : { name }), ...(author === undefined ? {} : { author }) });
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

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
