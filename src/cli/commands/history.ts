import { historyRows } from '../../image/index.js';
import { formatBytes, shortId, table, timeAgo, truncate } from '../render/format.js';
import type { CommandSpec } from './common.js';

export const historyCommand: CommandSpec = {
  command: 'history <image>',
  describe: 'The build steps of an image, newest first, with the size of each layer (like docker history)',
  builder: (y) =>
    y
      .positional('image', { type: 'string', describe: 'image (or container: its image)' })
      .option('no-trunc', { type: 'boolean', describe: 'do not shorten output' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only image IDs' }),
  async run(ctx) {
    const now = ctx.clock();
    const rows = await ctx.withStore(async (store) => {
      const ref = ctx.str('image');
      const container = await store.findContainer(ref);
      const image = container === undefined ? store.resolveImage(ref) : await store.containerImage(container);
      const layers = await store.layers(image);
      const all = historyRows(image.config);
      // Which steps are themselves an image here (same DiffIDs and history so far): Docker
      // shows their IDs, and <missing> for the rest.
      const others = store.images();
      return all.map((row, i) => {
        let id: string | undefined = i === all.length - 1 ? image.id : undefined;
        if (id === undefined) {
          const layerCount = all.slice(0, i + 1).filter((r) => r.layerIndex !== undefined).length;
          const diffs = image.config.rootfs.diff_ids.slice(0, layerCount);
          const match = others.find(
            (o) => (o.config.history?.length ?? 0) === i + 1 && o.config.rootfs.diff_ids.length === layerCount && o.config.rootfs.diff_ids.every((d, k) => d === diffs[k]),
          );
          id = match?.id;
        }
        return { ...row, image: id ?? null, size: row.layerIndex === undefined ? 0 : layers[row.layerIndex]!.size };
      });
    });
    rows.reverse();
    if (ctx.json) return ctx.printJson(rows);
    const full = ctx.flag('no-trunc');
    if (ctx.flag('quiet')) return ctx.out(rows.map((r) => (r.image === null ? '<missing>' : full ? r.image : shortId(r.image))).join('\n'));
    ctx.io.stdout.write(
      table(
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        rows.map((r) => [
          r.image === null ? '<missing>' : full ? r.image : shortId(r.image),
          timeAgo(r.created, now),
          full ? r.createdBy : truncate(r.createdBy, 45),
          formatBytes(r.size),
          full ? (r.comment ?? '') : truncate(r.comment ?? '', 40),
        ]),
      ),
    );
  },
};
