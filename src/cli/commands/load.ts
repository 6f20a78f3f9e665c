import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dirSource, mapSource, readTarFiles, type ListedSource } from '../../host/index.js';
import { loadImages } from '../../app/index.js';
import { shortId } from '../render/format.js';
import { stdinArchive, type CommandSpec } from './common.js';

export const loadCommand: CommandSpec = {
  command: 'load [source]',
  describe: 'Load images from a docker-archive or OCI layout (tar, gzip tar, or directory; default stdin)',
  builder: (y) =>
    y
      .positional('source', { type: 'string', describe: 'archive file or OCI layout directory' })
      .option('input', { alias: 'i', type: 'string', describe: 'archive file (as docker load -i)' })
      .option('tag', { alias: 't', type: 'string', describe: 'name[:tag] for the loaded image (when there is one)' }),
  examples: [
    ['overlay load -i app.tar', 'a docker save / skopeo docker-archive: tar'],
    ['overlay load ./layout', 'an OCI image layout directory (e.g. made by umoci)'],
  ],
  async run(ctx) {
    const given = ctx.optStr('input') ?? ctx.optStr('source');
    let source: ListedSource;
    if (given === undefined || given === '-') {
      source = mapSource(await readTarFiles(await stdinArchive(ctx, 'archive'), 'stdin'), 'stdin');
    } else {
      const path = resolve(ctx.io.cwd, given);
      if (!existsSync(path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${given}'`), { code: 'ENOENT', path: given });
      source = statSync(path).isDirectory() ? dirSource(path) : mapSource(await readTarFiles(await readFile(path), given), given);
    }
    const tag = ctx.optStr('tag');
    const loaded = await ctx.withStore(async (store) => {
      const progress = ctx.progress('loading');
      try {
        return await loadImages(store, source, { progress, ...(tag === undefined ? {} : { tag }) });
      } finally {
        progress.done();
      }
    });
    if (ctx.json) return ctx.printJson(loaded.map((i) => ({ id: i.id, names: i.names, manifest: i.manifestDigest })));
    for (const image of loaded) {
      if (image.names.length === 0) ctx.out(`Loaded image ID: ${image.id}`);
      for (const name of image.names) ctx.out(`Loaded image: ${name} (${shortId(image.id)})`);
    }
  },
};
