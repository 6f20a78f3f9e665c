import { DomainError } from '../../errors/index.js';
import type { LayerEntryInput } from '../../layer/index.js';

/** The part of a Node-`fs`-like object that reading a tree needs (memfs and `overlay.fs` fit). */
export interface TreeReader {
  lstatSync(path: string): TreeStats | undefined;
  readdirSync(path: string): unknown[];
  readFileSync(path: string): unknown;
  readlinkSync(path: string): unknown;
}

export interface TreeStats {
  readonly ino: number | bigint;
  readonly mode: number | bigint;
  readonly uid: number | bigint;
  readonly gid: number | bigint;
  readonly mtimeMs: number | bigint;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

function childOf(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function bytesOf(data: unknown, path: string): Uint8Array {
  if (data instanceof Uint8Array) return new Uint8Array(data); // a copy: the source may change later
  if (typeof data === 'string') return new TextEncoder().encode(data);
  throw new DomainError('InvalidArgumentError', `readFileSync gave no bytes: ${path}`, { path });
}

/**
 * Layer entries for the tree under `root` of `fs`, walked with lstat (symlinks are entries,
 * never followed). Names of one inode after the first become `hardlink` entries. Symlinks get
 * no mode (Linux gives every symlink 0o777). Anything but a directory, regular file or symlink
 * is a `LayerFormatError`.
 */
export function readTree(fs: TreeReader, root: string): LayerEntryInput[] {
  const top = fs.lstatSync(root);
  if (top === undefined || !top.isDirectory()) {
    throw new DomainError('InvalidArgumentError', `not a directory: ${root}`, { path: root });
  }
  const entries: LayerEntryInput[] = [];
  const firstByIno = new Map<number, string>();
  const meta = (st: TreeStats): Pick<LayerEntryInput, 'mode' | 'uid' | 'gid' | 'mtime'> => ({
    mode: Number(st.mode) & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: Number(st.mtimeMs),
  });
  const visit = (real: string, path: string, st: TreeStats): void => {
    if (st.isDirectory()) {
      entries.push({ path, type: 'dir', ...meta(st) });
      const names = fs.readdirSync(real).map(String).sort();
      for (const name of names) {
        const childReal = childOf(real, name);
        const child = fs.lstatSync(childReal);
        if (child !== undefined) visit(childReal, childOf(path, name), child);
      }
      return;
    }
    if (!st.isFile() && !st.isSymbolicLink()) {
      throw new DomainError('LayerFormatError', `not a file, directory or symlink: ${real}`, { path: real });
    }
    const ino = Number(st.ino);
    const first = firstByIno.get(ino);
    if (first !== undefined) {
      entries.push({ path, type: 'hardlink', target: first });
      return;
    }
    firstByIno.set(ino, path);
    if (st.isSymbolicLink()) {
      const { uid, gid, mtime } = meta(st);
      entries.push({ path, type: 'symlink', target: String(fs.readlinkSync(real)), uid, gid, mtime });
    } else {
      entries.push({ path, type: 'file', content: bytesOf(fs.readFileSync(real), real), ...meta(st) });
    }
  };
  visit(root, '/', top);
  return entries;
}
