import { checkStore } from '../../app/index.js';
import type { CommandSpec } from './common.js';

const short = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

export const fsckCommand: CommandSpec = {
  command: 'fsck',
  describe: 'Check every blob against its digest; list damaged images and containers and what can be dropped',
  async run(ctx) {
    const result = await ctx.withStore(checkStore);
    if (ctx.json) {
      ctx.printJson(result);
      return result.clean ? 0 : 1;
    }
    for (const image of result.damagedImages) {
      ctx.out(`damaged image ${short(image.manifestDigest)}${image.names.length > 0 ? ` (${image.names.join(', ')})` : ''}: ${image.reason}`);
    }
    for (const c of result.damagedContainers) ctx.out(`damaged container ${short(c.id)}: ${c.reason}`);
    for (const digest of result.corruptBlobs) ctx.out(`corrupt blob ${digest}`);
    for (const m of result.missingBlobs) ctx.out(`missing blob ${m.digest} (named by ${m.holders.join(', ')})`);
    if (result.unreferencedBlobs.length > 0) ctx.out(`${result.unreferencedBlobs.length} unreferenced blobs (\`overlay prune\` deletes them)`);
    for (const digest of result.safeToDrop.images) ctx.out(`safe to drop: image ${short(digest)} (\`overlay rmi -f ${short(digest)}\`)`);
    for (const c of result.damagedContainers) ctx.out(`to drop container ${short(c.id)} and any work in it: \`overlay rm -f ${short(c.id)}\``);
    if (result.clean) ctx.out('store is clean');
    return result.clean ? 0 : 1;
  },
};
