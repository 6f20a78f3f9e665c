import { pruneStore } from '../../app/index.js';
import { formatBytes, heldBlobsWarning } from '../render/format.js';
import type { CommandSpec } from './common.js';

export const pruneCommand: CommandSpec = {
  command: 'prune',
  describe: 'Delete untagged images no container uses, and every blob nothing references',
  async run(ctx) {
    const result = await ctx.withStore(pruneStore);
    if (ctx.json) return ctx.printJson(result);
    for (const id of result.images) ctx.out(`Deleted: ${id}`);
    ctx.out(`Total reclaimed space: ${formatBytes(result.bytes)} (${result.blobs.length} blobs)`);
    const held = heldBlobsWarning(result.heldBy);
    if (held !== undefined) ctx.warn(held);
    if (result.buildCacheEntries > 0) ctx.out(`Build cache steps dropped: ${result.buildCacheEntries} (no image uses their layers)`);
    if (result.cacheBytes > 0) ctx.out(`Layer caches dropped: ${formatBytes(result.cacheBytes)} (rebuilt from the layers when next needed)`);
  },
};
