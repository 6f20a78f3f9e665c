import { removeImages } from '../../app/index.js';
import { formatBytes, heldBlobsWarning } from '../render/format.js';
import type { CommandSpec } from './common.js';

export const rmiCommand: CommandSpec = {
  command: 'rmi <images..>',
  describe: 'Remove image names; an image no name and no container uses is deleted, with the blobs only it used',
  builder: (y) => y.positional('images', { type: 'string', array: true, default: undefined, describe: 'image names or IDs' }).option('force', { alias: 'f', type: 'boolean', describe: 'remove every name of an ID; untag images containers use' }),
  async run(ctx) {
    const results = await ctx.withStore((store) => removeImages(store, ctx.strs('images'), { force: ctx.flag('force') }));
    if (ctx.json) return ctx.printJson(results);
    for (const r of results) {
      for (const n of r.untagged) ctx.out(`Untagged: ${n}`);
      for (const d of r.deleted) ctx.out(`Deleted: ${d}`);
      if (r.blobs.length > 0) ctx.out(`deleted ${r.blobs.length} unused blobs (${formatBytes(r.bytes)})`);
    }
    const held = heldBlobsWarning(results.find((r) => r.heldBy !== undefined)?.heldBy);
    if (held !== undefined) ctx.warn(held);
  },
};
