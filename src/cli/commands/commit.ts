import { childConfig, historyEntry, isEmptyLayer } from '../../image/index.js';
import type { CommandSpec } from './common.js';

export const commitCommand: CommandSpec = {
  command: 'commit <container> [name]',
  describe: "Make a new image from a container: its image's layers plus its writable layer (like docker commit)",
  builder: (y) =>
    y
      .positional('container', { type: 'string' })
      .positional('name', { type: 'string', describe: 'name[:tag] for the new image' })
      .option('message', { alias: 'm', type: 'string', describe: 'commit message (history comment)' })
      .option('author', { alias: 'a', type: 'string', describe: 'author (e.g. "Ada <ada@example.org>")' })
      .option('created-by', { type: 'string', describe: 'history "created by" text (default: overlay commit CONTAINER)' }),
  examples: [['overlay commit web app:1.1 -m "new motd" --author "Ada"', 'commit with a message']],
  async run(ctx) {
    const name = ctx.optStr('name');
    const result = await ctx.withStore(async (store) => {
      const container = await store.resolveContainer(ctx.str('container'));
      const progress = ctx.progress('committing');
      try {
        const overlay = await store.mount(container, progress);
        const created = store.isoNow();
        const author = ctx.optStr('author');
        const comment = ctx.optStr('message');
        const upper = overlay.commitSync({
          createdBy: ctx.optStr('created-by') ?? `overlay commit ${container.name}`,
          created,
          ...(comment === undefined ? {} : { comment }),
          ...(author === undefined ? {} : { author }),
        });
        const empty = isEmptyLayer(upper);
        const base = await store.containerImage(container);
        const config = childConfig(base.config, {
          diffId: empty ? undefined : upper.diffId,
          history: historyEntry(upper.history),
          created,
          ...(author === undefined ? {} : { author }),
        });
        const image = await store.addImage({ config, layers: empty ? [] : [upper], names: name === undefined ? [] : [name], progress });
        return { image, diffId: empty ? undefined : upper.diffId, empty };
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
