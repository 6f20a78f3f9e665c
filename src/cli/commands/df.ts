import { diskUsage } from '../../app/index.js';
import { formatBytes, shortId, table } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { DISK_SIZE } from '../render/sizes.js';

export const dfCommand: CommandSpec = {
  command: 'df',
  describe: 'Disk usage of the store (bytes on disk): images, containers, and the bytes layers share',
  builder: (y) => y.option('verbose', { alias: 'v', type: 'boolean', describe: 'shared and unique bytes on disk per image' }),
  async run(ctx) {
    const usage = await ctx.withStore(diskUsage);
    if (ctx.json) return ctx.printJson(usage);
    ctx.io.stdout.write(
      table(
        ['TYPE', 'COUNT', DISK_SIZE, 'NOTE'],
        [
          ['Images', String(usage.images.count), formatBytes(usage.images.bytes), 'manifests, configs and layers, each blob once'],
          ['Layers', String(usage.layers.count), formatBytes(usage.layers.bytes), `${formatBytes(usage.layers.sharedBytes)} shared by several images, ${formatBytes(usage.layers.uniqueBytes)} unique`],
          ['Containers', String(usage.containers.count), formatBytes(usage.containers.bytes), 'writable layers as saved (tar and appended segments)'],
          ['Unreferenced', String(usage.unreferenced.count), formatBytes(usage.unreferenced.bytes), 'reclaimable with overlay prune'],
        ],
      ),
    );
    ctx.out(`Total: ${formatBytes(usage.totalBytes)}`);
    ctx.out(`Layer caches: ${formatBytes(usage.cacheBytes)} (indexes and unpacked file data, outside the total; prune drops them)`);
    if (usage.buildCache.entries > 0) ctx.out(`Build cache: ${usage.buildCache.entries} steps, ${formatBytes(usage.buildCache.bytes)} (layers only the cache holds, and its index; prune drops the steps no image uses)`);
    if (ctx.flag('verbose')) {
      ctx.out('');
      ctx.io.stdout.write(
        table(
          ['IMAGE', 'ID', DISK_SIZE, 'SHARED', 'UNIQUE'],
          usage.perImage.map((i) => [i.names.join(', ') || '<none>', shortId(i.id), formatBytes(i.size), formatBytes(i.sharedBytes), formatBytes(i.uniqueBytes)]),
        ),
      );
    }
  },
};
