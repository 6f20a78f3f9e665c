import { chainIds } from '../../digest/index.js';
import { historyRows } from '../../image/index.js';
import { formatBytes, shortId, table, truncate } from '../render/format.js';
import type { CommandSpec } from './common.js';

interface LayerRow {
  diffId: string;
  blob: string;
  mediaType: string;
  size: number;
  createdBy: string;
  /** Images that have this layer, with its position and ChainID in each. */
  images: { image: string; names: string[]; index: number; chainId: string }[];
  containers: string[];
}

export const layersCommand: CommandSpec = {
  command: 'layers [images..]',
  describe: 'Every stored layer and which images (and containers) share it',
  builder: (y) => y.positional('images', { type: 'string', array: true, describe: 'only the layers of these images' }).option('no-trunc', { type: 'boolean' }),
  async run(ctx) {
    const rows = await ctx.withStore(async (store) => {
      const wanted = ctx.strs('images').map((r) => store.resolveImage(r));
      const byDiff = new Map<string, LayerRow>();
      const order: string[] = [];
      const images = wanted.length > 0 ? wanted : store.images();
      const containers = await store.containers();
      for (const image of store.images()) {
        const chains = chainIds(image.config.rootfs.diff_ids);
        const history = historyRows(image.config);
        image.manifest.layers.forEach((blob, index) => {
          const diffId = image.config.rootfs.diff_ids[index]!;
          let row = byDiff.get(diffId);
          if (row === undefined) {
            const step = history.find((h) => h.layerIndex === index);
            row = { diffId, blob: blob.digest, mediaType: blob.mediaType, size: blob.size, createdBy: step?.createdBy ?? '', images: [], containers: [] };
            byDiff.set(diffId, row);
          }
          row.images.push({ image: image.id, names: image.names, index, chainId: chains[index]! });
          for (const c of containers) if (c.image === image.manifestDigest && !row.containers.includes(c.name)) row.containers.push(c.name);
        });
      }
      for (const image of images) for (const d of image.config.rootfs.diff_ids) if (!order.includes(d)) order.push(d);
      return order.map((d) => byDiff.get(d)!);
    });
    if (ctx.json) return ctx.printJson(rows);
    const full = ctx.flag('no-trunc');
    ctx.io.stdout.write(
      table(
        ['DIFF ID', 'SIZE', 'CREATED BY', 'SHARED BY', 'IMAGES'],
        rows.map((r) => [
          full ? r.diffId : shortId(r.diffId),
          formatBytes(r.size),
          full ? r.createdBy : truncate(r.createdBy, 40),
          String(r.images.length + r.containers.length),
          [...r.images.map((i) => (i.names.length > 0 ? i.names.join(',') : shortId(i.image))), ...r.containers.map((c) => `container ${c}`)].join(', '),
        ]),
      ),
    );
  },
};
