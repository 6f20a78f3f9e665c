import { tagImage } from '../../app/index.js';
import type { CommandSpec } from './common.js';

export const tagCommand: CommandSpec = {
  command: 'tag <source> <target>',
  describe: 'Give an image another name',
  builder: (y) => y.positional('source', { type: 'string', describe: 'image name or ID' }).positional('target', { type: 'string', describe: 'new name[:tag]' }),
  async run(ctx) {
    const name = await ctx.withStore((store) => tagImage(store, ctx.str('source'), ctx.str('target')));
    if (ctx.json) ctx.printJson({ name });
  },
};
