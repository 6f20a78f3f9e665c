import { dirSource, openArchiveFile, openArchiveStream, type ListedSource } from '../../host/index.js';
import { loadImages } from '../../app/index.js';
import { shortId } from '../render/format.js';
import { hostInput, stdinArchiveChunks, type CommandSpec } from './common.js';

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
    const input = given === undefined || given === '-' ? undefined : hostInput(ctx, given);
    const path = input?.path;
    const stdin = path === undefined ? stdinArchiveChunks(ctx, 'archive') : undefined;
    const tag = ctx.optStr('tag');
    const loaded = await ctx.withStore(async (store) => {
      // The archive is read in place by positioned reads; a gzip archive or stdin is first
      // copied, uncompressed, to a temporary file in the store's tmp/ (removed on Ctrl-C too).
      let source: ListedSource & { close?(): void };
      if (path === undefined) source = await openArchiveStream(stdin!, 'stdin', store.tmpDir);
      else if (input!.directory) source = dirSource(path);
      else source = await openArchiveFile(path, given!, store.tmpDir);
      const progress = ctx.progress('loading');
      try {
        return await loadImages(store, source, { progress, ...(tag === undefined ? {} : { tag }) });
      } finally {
        progress.done();
        source.close?.();
      }
    });
    if (ctx.json) return ctx.printJson(loaded.map((i) => ({ id: i.id, names: i.names, manifest: i.manifestDigest })));
    for (const image of loaded) {
      if (image.names.length === 0) ctx.out(`Loaded image ID: ${image.id}`);
      for (const name of image.names) ctx.out(`Loaded image: ${name} (${shortId(image.id)})`);
    }
  },
};
