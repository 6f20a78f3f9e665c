import { changeModes } from '../../app/index.js';
import { parseMode } from '../render/mode.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const chmodCommand: CommandSpec = {
  command: 'chmod <container> <mode> <paths..>',
  describe: 'Change permission bits in a container (copies lower files up, metadata only)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'container name or ID' })
      .positional('mode', { type: 'string', describe: 'octal (755) or symbolic (u+x,go-w)' })
      .positional('paths', { type: 'string', array: true, default: undefined, describe: 'absolute paths inside' }),
  async run(ctx) {
    const modeText = ctx.str('mode');
    const paths = ctx.strs('paths').map(insidePath);
    await withContainer(ctx, ctx.str('container'), (overlay) => changeModes(overlay, paths, (current, isDir) => parseMode(modeText, current, isDir)));
  },
};
