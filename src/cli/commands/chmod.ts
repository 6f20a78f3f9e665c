import { parseMode } from '../render/mode.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const chmodCommand: CommandSpec = {
  command: 'chmod <container> <mode> <paths..>',
  describe: 'Change permission bits in a container (copies lower files up, metadata only)',
  builder: (y) =>
    y
      .positional('container', { type: 'string' })
      .positional('mode', { type: 'string', describe: 'octal (755) or symbolic (u+x,go-w)' })
      .positional('paths', { type: 'string', array: true }),
  async run(ctx) {
    const modeText = ctx.str('mode');
    const paths = ctx.strs('paths').map(insidePath);
    await withContainer(ctx, ctx.str('container'), true, (overlay) => {
      for (const path of paths) {
        const st = overlay.fs.statSync(path)!;
        overlay.fs.chmodSync(path, parseMode(modeText, st.mode & 0o7777, st.isDirectory()));
      }
    });
  },
};
