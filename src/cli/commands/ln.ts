import { linkPath } from '../../app/index.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

export const lnCommand: CommandSpec = {
  command: 'ln <container> <target> <link>',
  describe: 'Make a hard link (or with -s a symbolic link) in a container',
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'container name or ID' })
      .positional('target', { type: 'string', describe: 'existing file (for -s: the link text, kept as given)' })
      .positional('link', { type: 'string', describe: 'the new absolute path' })
      .option('symbolic', { alias: 's', type: 'boolean', describe: 'a symbolic link' }),
  examples: [['overlay ln -s web /usr/bin/python3 /usr/bin/python', 'a symlink']],
  async run(ctx) {
    const target = ctx.str('target');
    const link = insidePath(ctx.str('link'));
    const symbolic = ctx.flag('symbolic');
    await withContainer(ctx, ctx.str('container'), (overlay) => linkPath(overlay, symbolic ? target : insidePath(target), link, symbolic));
  },
};
