/** A directory tree in comparable form (type, mode, owner, content, symlink target), for interop checks. */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: string;
  uid: number;
  gid: number;
  content?: string;
  target?: string;
}

export function treeOf(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const path = `${rel}/${name}`;
      const st = lstatSync(full);
      const entry: TreeEntry = {
        type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other',
        mode: (st.mode & 0o7777).toString(8),
        uid: st.uid,
        gid: st.gid,
      };
      if (entry.type === 'file') {
        const data = readFileSync(full);
        entry.content = data.length <= 64 ? data.toString('utf8') : createHash('sha256').update(data).digest('hex');
      }
      if (entry.type === 'symlink') entry.target = readlinkSync(full);
      // Symlink modes are not portable (always 777 on Linux).
      if (entry.type === 'symlink') entry.mode = '777';
      out[path] = entry;
      if (entry.type === 'dir') walk(full, path);
    }
  };
  walk(root, '');
  return out;
}
