import { movePath } from '../../app/index.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const mvCommand: CommandSpec = {
  command: 'mv <container> <source> <dest>',
  describe: 'Rename or move a file or directory in a container (into DEST if it is a directory)',
  builder: (y) => y
      .positional('container', { type: 'string', describe: 'container name or ID' })
      .positional('source', { type: 'string', describe: 'absolute path inside' })
      .positional('dest', { type: 'string', describe: 'new absolute path, or a directory to move into' }),
  async run(ctx) {
    const source = insidePath(ctx.str('source'));
    const dest = insidePath(ctx.str('dest'));
    await withContainer(ctx, ctx.str('container'), (overlay) =>
      movePath(overlay, source, dest, () =>
        ctx.warn(`mv: ${source} is a directory from a lower layer: rename(2) says EXDEV (redirect_dir=off), so it is copied up and the original deleted`),
      ),
    );
  },
};
