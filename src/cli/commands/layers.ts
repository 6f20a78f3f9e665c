import { layerUsage } from '../../app/index.js';
import { formatBytes, shortId, table, truncate } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { COMPRESSED_SIZE, CONTENT_SIZE } from '../render/sizes.js';

export const layersCommand: CommandSpec = {
  command: 'layers [images..]',
  describe: 'Every stored layer and which images (and containers) share it',
  builder: (y) => y.positional('images', { type: 'string', array: true, default: undefined, describe: 'only the layers of these images' }).option('no-trunc', { type: 'boolean', describe: 'full IDs and texts' }),
  async run(ctx) {
    const rows = await ctx.withStore((store) => layerUsage(store, ctx.strs('images')));
    if (ctx.json) return ctx.printJson(rows);
    const full = ctx.flag('no-trunc');
    ctx.io.stdout.write(
      table(
        ['DIFF ID', CONTENT_SIZE, COMPRESSED_SIZE, 'CREATED BY', 'SHARED BY', 'IMAGES'],
        rows.map((r) => [
          full ? r.diffId : shortId(r.diffId),
          formatBytes(r.contentBytes),
          formatBytes(r.compressedBytes),
          full ? r.createdBy : truncate(r.createdBy, 40),
          String(r.images.length + r.containers.length),
          [...r.images.map((i) => (i.names.length > 0 ? i.names.join(',') : shortId(i.image))), ...r.containers.map((c) => `container ${c}`)].join(', '),
        ]),
      ),
    );
  },
};
