/**
 * A directory of the host as a layer (`overlay import DIR`): every file, directory, symlink
 * and hard link below it with its mode, owner and mtime (whole seconds, as umoci and
 * containerd keep them). Sockets, FIFOs and devices have no place in the layer model and are
 * skipped (reported through `onSkip`). Extended attributes are not read (Node has no API).
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Layer, RangeContent, type LayerEntryInput, type LayerHistory, type PositionedReader } from '../layer/index.js';

/**
 * A file of the host read on demand: the layer holds no file bytes, and a file is read only
 * while the layer is stored (opened per read, so a directory of 40k files never holds 40k
 * descriptors). A file that shrinks meanwhile gives a short read, which `RangeContent` reports.
 */
function hostFile(path: string): PositionedReader {
  return {
    read(position, length) {
      const out = new Uint8Array(length);
      const fd = openSync(path, 'r');
      let done = 0;
      try {
        while (done < length) {
          const n = readSync(fd, out, done, length - done, position + done);
          if (n === 0) break;
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      return done === length ? out : out.subarray(0, done);
    },
  };
}

export interface HostDirOptions {
  history?: LayerHistory;
  /** Called with the size of each file found (its bytes are read later, on demand). */
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
        const size = Number(st.size);
        options.onFile?.(inner, size);
        entries.push({ path: inner, type: 'file', content: new RangeContent(hostFile(full), 0, size), ...attrs(st) });
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
