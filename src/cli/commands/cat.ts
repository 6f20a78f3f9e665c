import { readFileAt } from '../../app/index.js';
import { insidePath, withView, type CommandSpec } from './common.js';

export const catCommand: CommandSpec = {
  command: 'cat <target> <path>',
  describe: 'Print a file of a container or image',
  builder: (y) => y.positional('target', { type: 'string', describe: 'container or image' }).positional('path', { type: 'string', describe: 'absolute path of the file inside' }),
  async run(ctx) {
    const path = insidePath(ctx.str('path'));
    const bytes = await withView(ctx, ctx.str('target'), ({ overlay }) => readFileAt(overlay, path));
    ctx.io.stdout.write(bytes);
    await ctx.io.stdout.drain();
  },
};
