import { touchPaths } from '../../app/index.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const touchCommand: CommandSpec = {
  command: 'touch <container> <paths..>',
  describe: 'Create empty files, or set the times of existing ones to now, in a container',
  builder: (y) => y.positional('container', { type: 'string', describe: 'container name or ID' }).positional('paths', { type: 'string', array: true, default: undefined, describe: 'absolute paths inside' }),
  async run(ctx) {
    const paths = ctx.strs('paths').map(insidePath);
    const now = ctx.clock() / 1000;
    await withContainer(ctx, ctx.str('container'), (overlay) => touchPaths(overlay, paths, now));
  },
};
