import { removeContainers, removePaths } from '../../app/index.js';
import { UsageError } from '../errors.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';
import { printRemovedContainers } from './container.js';

/**
 * `rm CONTAINER /PATH...` removes files inside one container. `rm CONTAINER` alone removes the
 * container, as `docker rm` does, and only that form: with more arguments they are all paths,
 * so a path given without its leading slash (`rm web etc/motd`) is a usage error and never a
 * container to remove. Several containers go with `overlay container rm`.
 */
export const rmCommand: CommandSpec = {
  command: 'rm <container> [paths..]',
  describe: 'Remove files in a container (rm C /PATH...), or the container itself (rm C; see overlay container rm)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'the container' })
      .positional('paths', { type: 'string', array: true, default: undefined, describe: 'absolute paths inside the container; none: remove the container' })
      .option('recursive', { alias: 'r', type: 'boolean', describe: 'paths: remove directories and their contents' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'paths: ignore missing ones; container: remove it even with changes, ignore a missing one' }),
  examples: [
    ['overlay rm web /etc/motd', 'delete a file (a whiteout hides the lower copy)'],
    ['overlay rm -r web /usr/share/doc', 'delete a directory tree'],
    ['overlay rm web', 'remove the container web (-f if it has changes)'],
  ],
  async run(ctx) {
    const container = ctx.str('container');
    const given = ctx.strs('paths');
    const force = ctx.flag('force');
    if (given.length === 0) {
      if (ctx.flag('recursive')) throw new UsageError(`no path to remove in ${container}; to remove the container: overlay container rm ${container}`);
      const removed = await ctx.withStore((store) => removeContainers(store, [container], { force }));
      return printRemovedContainers(ctx, removed);
    }
    const relative = given.find((p) => !p.startsWith('/'));
    if (relative !== undefined) {
      throw new UsageError(
        `${JSON.stringify(relative)} is not an absolute path: paths inside a container start with / (did you mean /${relative.replace(/^(\.\/)+/, '')}?); to remove containers: overlay container rm ${[container, ...given].join(' ')}`,
      );
    }
    const paths = given.map(insidePath);
    await withContainer(ctx, container, (overlay) => removePaths(overlay, paths, { recursive: ctx.flag('recursive'), force }));
  },
};
