import { commitContainer } from '../../app/index.js';
import type { CommandSpec } from './common.js';

export const commitCommand: CommandSpec = {
  command: 'commit <container> [name]',
  describe: "Make a new image from a container: its image's layers plus its writable layer (like docker commit)",
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'container name or ID' })
      .positional('name', { type: 'string', describe: 'name[:tag] for the new image' })
      .option('message', { alias: 'm', type: 'string', describe: 'commit message (history comment)' })
      .option('author', { alias: 'a', type: 'string', describe: 'author (e.g. "Ada <ada@example.org>")' })
      .option('created-by', { type: 'string', describe: 'history "created by" text (default: overlay commit CONTAINER)' }),
  examples: [['overlay commit web app:1.1 -m "new motd" --author "Ada"', 'commit with a message']],
  async run(ctx) {
    const name = ctx.optStr('name');
    const message = ctx.optStr('message');
    const author = ctx.optStr('author');
    const createdBy = ctx.optStr('created-by');
    const result = await ctx.withStore(async (store) => {
      const progress = ctx.progress('committing');
      try {
        return await commitContainer(store, ctx.str('container'), {
          progress,
          ...(name === undefined ? {} : { name }),
          ...(message === undefined ? {} : { message }),
          ...(author === undefined ? {} : { author }),
          ...(createdBy === undefined ? {} : { createdBy }),
        });
      } finally {
        progress.done();
      }
    });
    if (ctx.json) {
      ctx.printJson({ id: result.image.id, names: result.image.names, manifest: result.image.manifestDigest, diffId: result.diffId ?? null, emptyLayer: result.empty });
    } else {
      ctx.out(result.image.id);
    }
  },
};
