import { listDirectory, listNames } from '../../app/index.js';
import { walkStack } from '../../analysis/index.js';
import { renderTree } from '../render/tree.js';
import { formatBytes, modeString } from '../render/format.js';
import { insidePath, withView, type CommandSpec } from './common.js';

export const lsCommand: CommandSpec = {
  command: 'ls <target> [path]',
  describe: 'List a directory of a container or image (the merged view)',
  builder: (y) =>
    y
      .positional('target', { type: 'string', describe: 'container or image' })
      .positional('path', { type: 'string', default: '/', describe: 'directory (or file) inside' })
      .option('long', { alias: 'l', type: 'boolean', describe: 'mode, owner, size, time' })
      .option('recursive', { alias: 'R', type: 'boolean', describe: 'list subdirectories too' })
      .option('tree', { type: 'boolean', describe: "draw the tree with directory sizes and dive's markers for the top layer: + added, ~ changed, - deleted" })
      .option('changed', { type: 'boolean', describe: 'with --tree: only what the top layer added, changed or deleted' }),
  async run(ctx) {
    const path = insidePath(ctx.optStr('path') ?? '/');
    if (ctx.flag('tree')) {
      const colour = ctx.io.stdout.isTTY === true && (ctx.io.env['NO_COLOR'] ?? '') === '';
      const text = await withView(ctx, ctx.str('target'), (view) => {
        // The top layer: a container's writable layer, else the image's (or IMAGE@N's) last.
        const layers = view.container === undefined ? view.lowers : [...view.lowers, view.overlay.commitSync()];
        const effects = walkStack(layers).effects;
        return renderTree(view.overlay, path, effects[effects.length - 1], { colour, changedOnly: ctx.flag('changed') });
      });
      ctx.out(text);
      return;
    }
    const long = ctx.flag('long');
    const recursive = ctx.flag('recursive');
    if (!long && !ctx.json) {
      const names = await withView(ctx, ctx.str('target'), ({ overlay }) => listNames(overlay, path, { recursive }));
      const lines = names.map((i) => (i.type === 'dir' ? `${i.name}/` : i.type === 'symlink' ? `${i.name} -> ${i.target}` : i.name));
      if (lines.length > 0) ctx.out(lines.join('\n'));
      return;
    }
    const items = await withView(ctx, ctx.str('target'), ({ overlay }) => listDirectory(overlay, path, { recursive }));
    if (ctx.json) return ctx.printJson(items);
    const lines = items.map((i) => {
      const name = i.type === 'dir' ? `${i.name}/` : i.type === 'symlink' ? `${i.name} -> ${i.target}` : i.name;
      if (!long) return name;
      return `${modeString(i.type, i.mode)} ${String(i.nlink).padStart(2)} ${String(i.uid).padStart(5)} ${String(i.gid).padStart(5)} ${formatBytes(i.size).padStart(8)} ${i.mtime.slice(0, 19).replace('T', ' ')} ${name}`;
    });
    if (lines.length > 0) ctx.out(lines.join('\n'));
  },
};
