/**
 * A directory of the host as a layer (`overlay import DIR`): every file, directory, symlink
 * and hard link below it with its mode, owner and mtime (whole seconds, as umoci and
 * containerd keep them). Sockets, FIFOs and devices have no place in the layer model and are
 * skipped (reported through `onSkip`). Extended attributes are not read (Node has no API).
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../errors/index.js';
import { Layer, RangeContent, type LayerEntryInput, type LayerHistory, type PositionedReader } from '../layer/index.js';
import { readAt } from './chunkedFiles.js';

/**
 * A file of the host read on demand: the layer holds no file bytes, and a file is read only
 * while the layer is stored (opened per read, so a directory of 40k files never holds 40k
 * descriptors). A file that shrinks meanwhile gives a short read, which `RangeContent` reports.
 */
function hostFile(path: string): PositionedReader {
  return {
    read(position, length) {
      const fd = openSync(path, 'r');
      try {
        return readAt(fd, position, length);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * The names in a host directory, sorted, each checked to be UTF-8: Node would decode a name
 * that is not into one with U+FFFD, which then names no file (a false ENOENT). A layer's names
 * are text here, so such a name is refused with its path and its bytes
 * (test/unit/host/hostDir.test.ts, 'refuses a name that is not UTF-8').
 */
function namesIn(hostPath: string): string[] {
  return readdirSync(hostPath, { encoding: 'buffer' })
    .map((raw) => utf8Name(raw, hostPath, 'file name'))
    .sort();
}

/** A symbolic link's text, refused like a name when it is not UTF-8. */
function linkText(hostPath: string): string {
  return utf8Name(readlinkSync(hostPath, { encoding: 'buffer' }), hostPath, 'symbolic link target');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Name(raw: Buffer, where: string, what: string): string {
  try {
    return strictUtf8.decode(raw);
  } catch {
    const shown = [...raw].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new DomainError('InvalidArgumentError', `${what === 'file name' ? join(where, shown) : where}: the ${what} is not valid UTF-8 (${what === 'file name' ? 'bytes shown as \\xNN' : `"${shown}"`}); rename it to import it`, {
      path: where,
    });
  }
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
  // Depth first, each directory's names sorted, as the recursive walk did (which hard link of
  // a set comes first decides which one holds the data), with a stack of the directories being
  // listed instead of the call stack: a tree 10,000 directories deep is no problem.
  const open: { hostPath: string; path: string; names: string[]; next: number }[] = [{ hostPath: dir, path: '/', names: namesIn(dir), next: 0 }];
  while (open.length > 0) {
    const top = open[open.length - 1]!;
    if (top.next === top.names.length) {
      open.pop();
      continue;
    }
    const name = top.names[top.next++]!;
    const full = join(top.hostPath, name);
    const inner = top.path === '/' ? `/${name}` : `${top.path}/${name}`;
    const st = lstatSync(full);
    if (st.isDirectory()) {
      entries.push({ path: inner, type: 'dir', ...attrs(st) });
      open.push({ hostPath: full, path: inner, names: namesIn(full), next: 0 });
    } else if (st.isSymbolicLink()) {
      entries.push({ path: inner, type: 'symlink', target: linkText(full), ...attrs(st) });
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
  return entries;
}

export function layerFromDirectory(dir: string, options: HostDirOptions = {}): Layer {
  return Layer.fromEntries(layerEntriesFromDirectory(dir, options), options.history === undefined ? {} : { history: options.history });
}
