import { removeContainers, type RemovedContainers } from '../../app/index.js';
import type { Context } from '../context.js';
import { formatBytes, heldBlobsWarning, shortId } from '../render/format.js';
import type { CommandSpec } from './common.js';

/** What `container rm` and `rm CONTAINER` print: each container removed, then the blobs freed. */
export function printRemovedContainers(ctx: Context, removed: RemovedContainers): void {
  if (ctx.json) return ctx.printJson(removed);
  for (const c of removed.containers) ctx.out(`${c.name} (${shortId(c.id)})`);
  if (removed.blobs > 0) ctx.out(`deleted ${removed.blobs} unused blobs (${formatBytes(removed.bytes)})`);
  const held = heldBlobsWarning(removed.heldBy);
  if (held !== undefined) ctx.warn(held);
}

/**
 * `overlay container rm NAME...`: container removal in a form no file path can be mistaken for
 * (as Docker separates `docker container rm` from the rest).
 */
export const containerCommand: CommandSpec = {
  command: 'container <action> <containers..>',
  describe: 'Remove containers: overlay container rm NAME... (-f when one has uncommitted changes)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['rm'], describe: 'what to do (rm: remove the containers)' })
      .positional('containers', { type: 'string', array: true, default: undefined, describe: 'container names or IDs' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'remove containers with changes in their writable layer; ignore missing ones' }),
  examples: [
    ['overlay container rm web db', 'remove two containers'],
    ['overlay container rm -f web', 'remove web and its uncommitted changes'],
  ],
  async run(ctx) {
    const removed = await ctx.withStore((store) => removeContainers(store, ctx.strs('containers'), { force: ctx.flag('force') }));
    printRemovedContainers(ctx, removed);
  },
};
