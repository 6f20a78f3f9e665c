import { parseMode } from '../render/mode.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const mkdirCommand: CommandSpec = {
  command: 'mkdir <container> <paths..>',
  describe: 'Create directories in a container',
  builder: (y) =>
    y
      .positional('container', { type: 'string' })
      .positional('paths', { type: 'string', array: true })
      .option('parents', { alias: 'p', type: 'boolean', describe: 'create parents; no error if it exists' })
      .option('mode', { alias: 'm', type: 'string', describe: 'permission bits (octal, default 755)' }),
  async run(ctx) {
    const paths = ctx.strs('paths').map(insidePath);
    const modeText = ctx.optStr('mode');
    await withContainer(ctx, ctx.str('container'), true, (overlay) => {
      for (const path of paths) {
        overlay.fs.mkdirSync(path, { recursive: ctx.flag('parents'), mode: 0o777 });
        if (modeText !== undefined) overlay.fs.chmodSync(path, parseMode(modeText, 0o755, true));
      }
    });
  },
};
