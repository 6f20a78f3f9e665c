/**
 * Filesystem operations as plain JSON data, and one runner that applies them to any Node-fs-like
 * object. The same `runOp` drives a kernel overlay mount (root = the mount directory) and the
 * emulator (root = ''), so two outcomes are comparable with a deep equality.
 *
 * Outcomes never hold what two correct filesystems may legitimately report differently: no
 * times, no inode numbers, no directory sizes. They do hold nlink and, through `sameInode`,
 * whether two names share one inode.
 */
import { concatBytes } from '../layer/index.js';
import { byteLength, describeBytes, toBytes, type FsData } from './_internals/bytes.js';
import { FdTable, isFdOp, runFdOp, type FdFsLike, type FdOp } from './fdOps.js';

/** Flags an `open` op may combine (Linux `open(2)` names, values taken from `fs.constants`). */
export type OpenFlag =
  | 'O_RDONLY'
  | 'O_WRONLY'
  | 'O_RDWR'
  | 'O_CREAT'
  | 'O_EXCL'
  | 'O_TRUNC'
  | 'O_APPEND'
  | 'O_DIRECTORY'
  | 'O_NOFOLLOW';

/** `access` modes, by their `fs.constants` suffix. */
export type AccessMode = 'F_OK' | 'R_OK' | 'W_OK' | 'X_OK';

/** One filesystem operation. Paths are absolute within the filesystem under test (`/a/b`). */
export type FsOp =
  | { op: 'readFile'; path: string }
  | { op: 'writeFile'; path: string; data: FsData }
  | { op: 'appendFile'; path: string; data: FsData }
  | { op: 'truncate'; path: string; len: number }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'lchown'; path: string; uid: number; gid: number }
  | { op: 'utimes'; path: string; atime: number; mtime: number }
  | { op: 'lutimes'; path: string; atime: number; mtime: number }
  | { op: 'unlink'; path: string }
  | { op: 'rmdir'; path: string }
  /** `rmSync(path, { recursive: true })`: recursive removal, missing path is an error. */
  | { op: 'rm'; path: string }
  | { op: 'mkdir'; path: string; mode?: number; recursive?: boolean }
  | { op: 'rename'; from: string; to: string }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'link'; from: string; to: string }
  | { op: 'copyFile'; from: string; to: string; excl?: boolean }
  | { op: 'readdir'; path: string }
  | { op: 'stat'; path: string }
  | { op: 'lstat'; path: string }
  | { op: 'readlink'; path: string }
  | { op: 'exists'; path: string }
  | { op: 'realpath'; path: string }
  | { op: 'access'; path: string; mode: AccessMode }
  /** Do `path` and `other` (both followed) name one inode? */
  | { op: 'sameInode'; path: string; other: string }
  /**
   * open(2), then optionally write `write` and `ftruncate` to `truncate`, then (when the fd is
   * readable and names a regular file) read the whole file back; always closes the fd.
   */
  | { op: 'open'; path: string; flags: readonly OpenFlag[]; mode?: number; write?: FsData; truncate?: number }
  | FdOp;

export type FsOpName = FsOp['op'];

/** What `stat`, `lstat` and `fstat` report, reduced to what two correct filesystems share. */
export interface StatSummary {
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Full `st_mode` (type and permission bits), shown as octal by `describeOutcome`. */
  mode: number;
  uid: number;
  gid: number;
  /** Byte size of a file, or of a symlink's target text; absent for directories. */
  size?: number;
  nlink: number;
}

export interface OpenResult {
  stat: StatSummary;
  written?: number;
  /** Whole content after the writes, when the fd is readable and is a regular file. */
  content?: string;
}

export type OutcomeValue = null | boolean | number | string | readonly string[] | StatSummary | OpenResult;

/** The result of one op: its value, or the `code` of the error it threw. */
export type Outcome = { ok: true; value: OutcomeValue } | { ok: false; code: string };

export interface StatsLike {
  readonly mode: number;
  readonly size: number;
  readonly nlink: number;
  readonly ino: number;
  readonly uid: number;
  readonly gid: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** Numeric constants `runOp` needs; Linux values in both Node and the emulator. */
export interface FsConstantsLike {
  readonly O_RDONLY: number;
  readonly O_WRONLY: number;
  readonly O_RDWR: number;
  readonly O_CREAT: number;
  readonly O_EXCL: number;
  readonly O_TRUNC: number;
  readonly O_APPEND: number;
  readonly O_DIRECTORY: number;
  readonly O_NOFOLLOW: number;
  readonly F_OK: number;
  readonly R_OK: number;
  readonly W_OK: number;
  readonly X_OK: number;
  readonly COPYFILE_EXCL: number;
}

/** The synchronous part of Node's `fs` that `runOp` and `snapshotTree` use. */
export interface FsLike extends Pick<FdFsLike, 'fchmodSync' | 'fchownSync' | 'futimesSync' | 'fsyncSync' | 'fdatasyncSync' | 'opendirSync'> {
  readonly constants: FsConstantsLike;
  existsSync(path: string): boolean;
  statSync(path: string): StatsLike;
  lstatSync(path: string): StatsLike;
  fstatSync(fd: number): StatsLike;
  readFileSync(path: string | number): Uint8Array;
  writeFileSync(path: string | number, data: Uint8Array): void;
  appendFileSync(path: string, data: Uint8Array): void;
  readdirSync(path: string): string[];
  mkdirSync(path: string, options?: { mode?: number; recursive?: boolean }): string | undefined;
  rmdirSync(path: string): void;
  rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  unlinkSync(path: string): void;
  renameSync(oldPath: string, newPath: string): void;
  symlinkSync(target: string, path: string): void;
  readlinkSync(path: string): string;
  linkSync(existingPath: string, newPath: string): void;
  chmodSync(path: string, mode: number): void;
  chownSync(path: string, uid: number, gid: number): void;
  lchownSync?(path: string, uid: number, gid: number): void;
  utimesSync(path: string, atime: number, mtime: number): void;
  lutimesSync?(path: string, atime: number, mtime: number): void;
  truncateSync(path: string, len?: number): void;
  copyFileSync(src: string, dest: string, mode?: number): void;
  realpathSync(path: string): string;
  accessSync(path: string, mode?: number): void;
  openSync(path: string, flags: string | number, mode?: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null): number;
  ftruncateSync(fd: number, len?: number): void;
  closeSync(fd: number): void;
}

/** Symlink target as stored by a filesystem rooted at `root`, back in the overlay's terms. */
export function stripRoot(root: string, target: string): string {
  if (root === '') return target;
  if (target === root) return '/';
  if (target.startsWith(root + '/')) return target.slice(root.length);
  return target;
}

/**
 * An absolute symlink target as the filesystem rooted at `root` must store it: the kernel
 * resolves absolute targets against the host root, so a mount at `/mnt/x` needs `/mnt/x/a` for
 * the overlay's `/a`.
 */
export function rootTarget(root: string, target: string): string {
  return root !== '' && target.startsWith('/') ? root + target : target;
}

function fileType(st: StatsLike): StatSummary['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/**
 * A `Stats` reduced to comparable fields. A symlink's size is the length of its target in the
 * overlay's terms (`link` is the path to readlink, needed only for symlinks).
 */
export function summarizeStats(fs: FsLike, root: string, st: StatsLike, link?: string): StatSummary {
  const type = fileType(st);
  const summary: StatSummary = { type, mode: st.mode, uid: st.uid, gid: st.gid, nlink: st.nlink };
  if (type === 'symlink' && link !== undefined) summary.size = byteLength(stripRoot(root, fs.readlinkSync(link)));
  else if (type !== 'dir') summary.size = st.size;
  return summary;
}

/** A call the filesystem may lack: the TypeError Node would throw when it is missing. */
function missing<F>(fn: F | undefined, name: string): F {
  if (typeof fn !== 'function') throw new TypeError(`fs.${name} is not a function`);
  return fn;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  // Not an errno error: a bug in the filesystem under test; keep it visible in the outcome.
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return `!${name}: ${message}`;
}

function readAll(fs: FsLike, fd: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const buffer = new Uint8Array(64 * 1024);
    const n = fs.readSync(fd, buffer, 0, buffer.length, total);
    if (n <= 0) break;
    chunks.push(buffer.subarray(0, n));
    total += n;
  }
  return concatBytes(chunks);
}

function openFlags(fs: FsLike, flags: readonly OpenFlag[]): number {
  let value = 0;
  for (const flag of flags) value |= fs.constants[flag];
  return value;
}

function runOpenOp(fs: FsLike, root: string, op: Extract<FsOp, { op: 'open' }>): OpenResult {
  const flags = openFlags(fs, op.flags);
  const fd = fs.openSync(root + op.path, flags, op.mode ?? 0o644);
  try {
    const result: Partial<OpenResult> = {};
    if (op.write !== undefined) {
      const bytes = toBytes(op.write);
      result.written = fs.writeSync(fd, bytes, 0, bytes.length);
    }
    if (op.truncate !== undefined) fs.ftruncateSync(fd, op.truncate);
    const st = fs.fstatSync(fd);
    result.stat = summarizeStats(fs, root, st);
    const access = flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR);
    if (access !== fs.constants.O_WRONLY && st.isFile()) result.content = describeBytes(readAll(fs, fd));
    return { stat: result.stat, ...(result.written !== undefined ? { written: result.written } : {}), ...(result.content !== undefined ? { content: result.content } : {}) };
  } finally {
    fs.closeSync(fd);
  }
}

function sameFile(fs: FsLike, a: string, b: string): boolean {
  try {
    return fs.statSync(a).ino === fs.statSync(b).ino;
  } catch {
    return false;
  }
}

function runUnchecked(fs: FsLike, root: string, op: FsOp, fds: FdTable): OutcomeValue {
  const p = (path: string): string => root + path;
  switch (op.op) {
    case 'readFile':
      return describeBytes(fs.readFileSync(p(op.path)));
    case 'writeFile':
      fs.writeFileSync(p(op.path), toBytes(op.data));
      return null;
    case 'appendFile':
      fs.appendFileSync(p(op.path), toBytes(op.data));
      return null;
    case 'truncate':
      fs.truncateSync(p(op.path), op.len);
      return null;
    case 'chmod':
      fs.chmodSync(p(op.path), op.mode);
      return null;
    case 'chown':
      fs.chownSync(p(op.path), op.uid, op.gid);
      return null;
    case 'lchown':
      missing(fs.lchownSync, 'lchownSync').call(fs, p(op.path), op.uid, op.gid);
      return null;
    case 'utimes':
      fs.utimesSync(p(op.path), op.atime, op.mtime);
      return null;
    case 'lutimes':
      missing(fs.lutimesSync, 'lutimesSync').call(fs, p(op.path), op.atime, op.mtime);
      return null;
    case 'unlink':
      fs.unlinkSync(p(op.path));
      return null;
    case 'rmdir':
      fs.rmdirSync(p(op.path));
      return null;
    case 'rm':
      fs.rmSync(p(op.path), { recursive: true, force: false });
      return null;
    case 'mkdir': {
      const options: { mode?: number; recursive?: boolean } = {};
      if (op.mode !== undefined) options.mode = op.mode;
      if (op.recursive) options.recursive = true;
      const first = fs.mkdirSync(p(op.path), options);
      return op.recursive && typeof first === 'string' ? stripRoot(root, first) : null;
    }
    case 'rename':
      fs.renameSync(p(op.from), p(op.to));
      return null;
    case 'symlink':
      fs.symlinkSync(rootTarget(root, op.target), p(op.path));
      return null;
    case 'link':
      fs.linkSync(p(op.from), p(op.to));
      return null;
    case 'copyFile':
      // Not run onto the file itself: on a kernel overlay, libuv's copy loops forever when the
      // destination's copy-up changes st_ino (a lower hard-linked file with index=off), because
      // its same-file check then fails and it truncates its own source.
      if (sameFile(fs, p(op.from), p(op.to))) return 'same file (not run)';
      fs.copyFileSync(p(op.from), p(op.to), op.excl ? fs.constants.COPYFILE_EXCL : 0);
      return null;
    case 'readdir':
      return [...fs.readdirSync(p(op.path))].map(String).sort();
    case 'stat':
      return summarizeStats(fs, root, fs.statSync(p(op.path)));
    case 'lstat':
      return summarizeStats(fs, root, fs.lstatSync(p(op.path)), p(op.path));
    case 'readlink':
      return stripRoot(root, fs.readlinkSync(p(op.path)));
    case 'exists':
      return fs.existsSync(p(op.path));
    case 'realpath':
      return stripRoot(root, fs.realpathSync(p(op.path)));
    case 'access':
      fs.accessSync(p(op.path), fs.constants[op.mode]);
      return null;
    case 'sameInode':
      return fs.statSync(p(op.path)).ino === fs.statSync(p(op.other)).ino;
    case 'open':
      return runOpenOp(fs, root, op);
    default:
      return runFdOp(fs, root, fds, op, (fd) => summarizeStats(fs, root, fs.fstatSync(fd))) as OutcomeValue;
  }
}

/**
 * Runs `op` against `fs` with every path prefixed by `root` ('' for a filesystem whose own root
 * is the overlay root). Absolute symlink targets are prefixed on the way in and stripped on the
 * way out, so both sides speak of `/a` (see `rootTarget`).
 */
export function runOp(fs: FsLike, root: string, op: FsOp, fds?: FdTable): Outcome {
  // Without a table an fd op gets one of its own, closed at once (nothing leaks).
  const table = fds ?? new FdTable();
  try {
    return { ok: true, value: runUnchecked(fs, root, op, table) };
  } catch (error) {
    return { ok: false, code: errorCode(error) };
  } finally {
    if (fds === undefined && isFdOp(op)) table.closeAll(fs);
  }
}

/** Paths an op names, in order (for finding scenarios that touch a path). */
export function opPaths(op: FsOp): string[] {
  switch (op.op) {
    case 'rename':
    case 'link':
    case 'copyFile':
      return [op.from, op.to];
    case 'sameInode':
      return [op.path, op.other];
    default:
      return 'path' in op ? [op.path] : [];
  }
}
