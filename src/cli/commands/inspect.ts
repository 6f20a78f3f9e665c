import { inspectTargets } from '../../app/index.js';
import type { CommandSpec } from './common.js';

export const inspectCommand: CommandSpec = {
  command: 'inspect <targets..>',
  describe: 'Details of images or containers, as JSON',
  builder: (y) => y.positional('targets', { type: 'string', array: true, default: undefined, describe: 'containers or images' }),
  async run(ctx) {
    ctx.printJson(await ctx.withStore((store) => inspectTargets(store, ctx.strs('targets'))));
  },
};
