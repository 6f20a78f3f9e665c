/**
 * A directory of the host as a layer (`overlay import DIR`): every file, directory, symlink
 * and hard link below it with its mode, owner and mtime (whole seconds, as umoci and
 * containerd keep them). Sockets, FIFOs and devices have no place in the layer model and are
 * skipped (reported through `onSkip`). Extended attributes are not read (Node has no API).
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Layer, type LayerEntryInput, type LayerHistory } from '../layer/index.js';

export interface HostDirOptions {
  history?: LayerHistory;
  /** Called with the bytes of each file read (progress). */
  onFile?: (path: string, bytes: number) => void;
  /** Called for each entry that cannot be represented. */
  onSkip?: (path: string, why: string) => void;
}

export function layerEntriesFromDirectory(dir: string, options: HostDirOptions = {}): LayerEntryInput[] {
  const entries: LayerEntryInput[] = [];
  const links = new Map<string, string>();
  const attrs = (st: ReturnType<typeof lstatSync> & object) => ({
    mode: Number(st.mode) & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: Math.floor(Number(st.mtimeMs) / 1000) * 1000,
  });
  const root = lstatSync(dir);
  if (!root.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, scandir '${dir}'`), { code: 'ENOTDIR', path: dir });
  entries.push({ path: '/', type: 'dir', ...attrs(root) });
  const walk = (hostPath: string, path: string): void => {
    for (const name of readdirSync(hostPath).sort()) {
      const full = join(hostPath, name);
      const inner = path === '/' ? `/${name}` : `${path}/${name}`;
      const st = lstatSync(full);
      if (st.isDirectory()) {
        entries.push({ path: inner, type: 'dir', ...attrs(st) });
        walk(full, inner);
      } else if (st.isSymbolicLink()) {
        entries.push({ path: inner, type: 'symlink', target: readlinkSync(full), ...attrs(st) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          entries.push({ path: inner, type: 'hardlink', target: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, inner);
        const content = new Uint8Array(readFileSync(full));
        options.onFile?.(inner, content.length);
        entries.push({ path: inner, type: 'file', content, ...attrs(st) });
      } else {
        options.onSkip?.(inner, st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : 'device');
      }
    }
  };
  walk(dir, '/');
  return entries;
}

export function layerFromDirectory(dir: string, options: HostDirOptions = {}): Layer {
  return Layer.fromEntries(layerEntriesFromDirectory(dir, options), options.history === undefined ? {} : { history: options.history });
}
