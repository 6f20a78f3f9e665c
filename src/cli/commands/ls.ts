import type { Overlay, Stats } from '../../overlay/index.js';
import { formatBytes, modeString } from '../render/format.js';
import { insidePath, withView, type CommandSpec } from './common.js';

interface Listed {
  name: string;
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  mtime: string;
  target?: string;
}

function typeOf(st: Stats): Listed['type'] {
  return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
}

function describe(overlay: Overlay, path: string, name: string): Listed {
  const st = overlay.fs.lstatSync(path)!;
  const item: Listed = {
    name,
    path,
    type: typeOf(st),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    nlink: st.nlink,
    mtime: new Date(st.mtimeMs).toISOString(),
  };
  if (item.type === 'symlink') item.target = overlay.fs.readlinkSync(path) as string;
  return item;
}

export const lsCommand: CommandSpec = {
  command: 'ls <target> [path]',
  describe: 'List a directory of a container or image (the merged view)',
  builder: (y) =>
    y
      .positional('target', { type: 'string', describe: 'container or image' })
      .positional('path', { type: 'string', default: '/', describe: 'directory (or file) inside' })
      .option('long', { alias: 'l', type: 'boolean', describe: 'mode, owner, size, time' })
      .option('recursive', { alias: 'R', type: 'boolean', describe: 'list subdirectories too' }),
  async run(ctx) {
    const path = insidePath(ctx.optStr('path') ?? '/');
    const long = ctx.flag('long');
    const recursive = ctx.flag('recursive');
    const items = await withView(ctx, ctx.str('target'), ({ overlay }) => {
      const st = overlay.fs.statSync(path)!;
      if (!st.isDirectory()) return [describe(overlay, path, path)];
      const out: Listed[] = [];
      const walk = (dir: string, prefix: string): void => {
        const names = (overlay.fs.readdirSync(dir) as string[]).sort();
        for (const name of names) {
          const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
          const item = describe(overlay, full, prefix + name);
          out.push(item);
          if (recursive && item.type === 'dir') walk(full, `${prefix}${name}/`);
        }
      };
      walk(path, '');
      return out;
    });
    if (ctx.json) return ctx.printJson(items);
    const lines = items.map((i) => {
      const name = i.type === 'dir' ? `${i.name}/` : i.type === 'symlink' ? `${i.name} -> ${i.target}` : i.name;
      if (!long) return name;
      return `${modeString(i.type, i.mode)} ${String(i.nlink).padStart(2)} ${String(i.uid).padStart(5)} ${String(i.gid).padStart(5)} ${formatBytes(i.size).padStart(8)} ${i.mtime.slice(0, 19).replace('T', ' ')} ${name}`;
    });
    if (lines.length > 0) ctx.out(lines.join('\n'));
  },
};
