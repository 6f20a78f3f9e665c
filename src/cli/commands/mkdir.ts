import { makeDirectories } from '../../app/index.js';
import { parseMode } from '../render/mode.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const mkdirCommand: CommandSpec = {
  command: 'mkdir <container> <paths..>',
  describe: 'Create directories in a container',
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'container name or ID' })
      .positional('paths', { type: 'string', array: true, default: undefined, describe: 'absolute paths inside' })
      .option('parents', { alias: 'p', type: 'boolean', describe: 'create parents; no error if it exists' })
      .option('mode', { alias: 'm', type: 'string', describe: 'permission bits (octal, default 755)' }),
  async run(ctx) {
    const paths = ctx.strs('paths').map(insidePath);
    const modeText = ctx.optStr('mode');
    const mode = modeText === undefined ? undefined : () => parseMode(modeText, 0o755, true);
    await withContainer(ctx, ctx.str('container'), (overlay) => makeDirectories(overlay, paths, { parents: ctx.flag('parents'), ...(mode === undefined ? {} : { mode }) }));
  },
};
