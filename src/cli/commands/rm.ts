import { removeContainers, removePaths } from '../../app/index.js';
import { DomainError } from '../../errors/index.js';
import { formatBytes, shortId } from '../render/format.js';
import { withContainer, type CommandSpec } from './common.js';

/**
 * `rm` does two jobs, told apart by the arguments: `rm CONTAINER...` removes containers (as
 * `docker rm` does); `rm CONTAINER /PATH...` removes files inside one container (paths inside
 * are always absolute, and container names never start with `/`).
 */
export const rmCommand: CommandSpec = {
  command: 'rm <targets..>',
  describe: 'Remove containers (rm C...), or files in a container (rm C /PATH...)',
  builder: (y) =>
    y
      .positional('targets', { type: 'string', array: true, describe: 'containers, or one container and absolute paths inside it' })
      .option('recursive', { alias: 'r', type: 'boolean', describe: 'paths: remove directories and their contents' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'ignore missing paths or containers' }),
  examples: [
    ['overlay rm web /etc/motd', 'delete a file (a whiteout hides the lower copy)'],
    ['overlay rm -r web /usr/share/doc', 'delete a directory tree'],
    ['overlay rm web', 'remove the container web'],
  ],
  async run(ctx) {
    const [first, ...rest] = ctx.strs('targets');
    const force = ctx.flag('force');
    const paths = rest.filter((t) => t.startsWith('/'));
    if (paths.length > 0) {
      if (paths.length !== rest.length) {
        throw new DomainError('InvalidArgumentError', 'give either containers, or one container followed by absolute paths inside it');
      }
      await withContainer(ctx, first!, (overlay) => removePaths(overlay, paths, { recursive: ctx.flag('recursive'), force }));
      return;
    }
    const removed = await ctx.withStore((store) => removeContainers(store, [first!, ...rest], { force }));
    if (ctx.json) return ctx.printJson(removed);
    for (const c of removed.containers) ctx.out(`${c.name} (${shortId(c.id)})`);
    if (removed.blobs > 0) ctx.out(`deleted ${removed.blobs} unused blobs (${formatBytes(removed.bytes)})`);
  },
};
