/**
 * Operations on open files held across other operations: up to four named fd slots per
 * scenario, opened with Node's string flags (or as a directory), then read, written, truncated,
 * stat'ed, chmod'ed … and closed in any order. Every fs call that takes an fd has an op here.
 *
 * A slot that is not open stands for an fd number no process holds (`closedFdNumber`), so a
 * call on it must fail EBADF on both sides; the runner never hands the host an fd it did not
 * open itself (a reused number could belong to the test process).
 */
import { byteLength, describeBytes, describeData, toBytes, type FsData } from './_internals/bytes.js';

/** The four fd slots of a scenario. */
export type FdSlot = 0 | 1 | 2 | 3;
export const FD_SLOTS: readonly FdSlot[] = [0, 1, 2, 3];

/** Node's string flags, or `dir` (`O_RDONLY | O_DIRECTORY`). */
export type FdOpenFlag = 'r' | 'r+' | 'w' | 'w+' | 'wx' | 'a' | 'a+' | 'dir';

export type FdOp =
  | { op: 'fdOpen'; fd: FdSlot; path: string; flags: FdOpenFlag; mode?: number }
  /** `readSync(fd, buffer, 0, length, position)`: the bytes read. */
  | { op: 'fdRead'; fd: FdSlot; length: number; position: number | null }
  /** `writeSync(fd, bytes, 0, bytes.length, position)`: the count written. */
  | { op: 'fdWrite'; fd: FdSlot; data: FsData; position: number | null }
  | { op: 'fdTruncate'; fd: FdSlot; len: number }
  | { op: 'fdStat'; fd: FdSlot }
  | { op: 'fdClose'; fd: FdSlot }
  | { op: 'fdChmod'; fd: FdSlot; mode: number }
  | { op: 'fdChown'; fd: FdSlot; uid: number; gid: number }
  | { op: 'fdUtimes'; fd: FdSlot; atime: number; mtime: number }
  /** `fsyncSync` (`data` false) or `fdatasyncSync` (`data` true). */
  | { op: 'fdSync'; fd: FdSlot; data: boolean }
  /** `readFileSync(fd)`: from the fd's position to the end. */
  | { op: 'fdReadFile'; fd: FdSlot }
  /** `writeFileSync(fd, data)`: at the fd's position. */
  | { op: 'fdWriteFile'; fd: FdSlot; data: FsData }
  /** `opendirSync(path)`, read to the end, closed: the names, sorted. */
  | { op: 'opendir'; path: string };

export type FdOpName = FdOp['op'];

export const FD_OP_NAMES: readonly FdOpName[] = [
  'fdOpen',
  'fdRead',
  'fdWrite',
  'fdTruncate',
  'fdStat',
  'fdClose',
  'fdChmod',
  'fdChown',
  'fdUtimes',
  'fdSync',
  'fdReadFile',
  'fdWriteFile',
  'opendir',
];

export function isFdOp(op: { op: string }): op is FdOp {
  return (FD_OP_NAMES as readonly string[]).includes(op.op);
}

/**
 * The fd calls `runFdOp` makes. Those a filesystem under test may lack are optional: a missing
 * one fails the op with a TypeError (`!TypeError: …` in the outcome), as calling it would.
 */
export interface FdFsLike {
  readonly constants: { readonly O_RDONLY: number; readonly O_DIRECTORY: number };
  openSync(path: string, flags: string | number, mode?: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null): number;
  ftruncateSync(fd: number, len?: number): void;
  closeSync(fd: number): void;
  readFileSync(fd: number): Uint8Array;
  writeFileSync(fd: number, data: Uint8Array): void;
  fchmodSync?(fd: number, mode: number): void;
  fchownSync?(fd: number, uid: number, gid: number): void;
  futimesSync?(fd: number, atime: number, mtime: number): void;
  fsyncSync?(fd: number): void;
  fdatasyncSync?(fd: number): void;
  opendirSync?(path: string): { readSync(): { name: string } | null; closeSync(): void };
}

type OptionalCall = 'fchmodSync' | 'fchownSync' | 'futimesSync' | 'fsyncSync' | 'fdatasyncSync' | 'opendirSync';

/** `fs[name]`, or the TypeError Node would throw for a missing function. */
export function callOf<K extends OptionalCall>(fs: FdFsLike, name: K): NonNullable<FdFsLike[K]> {
  const fn = fs[name];
  if (typeof fn !== 'function') throw new TypeError(`fs.${name} is not a function`);
  return fn.bind(fs) as NonNullable<FdFsLike[K]>;
}

/** An fd number no process holds (beyond any RLIMIT_NOFILE): every call on it fails EBADF. */
export function closedFdNumber(slot: FdSlot): number {
  return 0x7fff_fff0 + slot;
}

/** The fds one side of a scenario holds, by slot. */
export class FdTable {
  readonly #fds = new Map<FdSlot, number>();

  fdOf(slot: FdSlot): number {
    return this.#fds.get(slot) ?? closedFdNumber(slot);
  }

  set(slot: FdSlot, fd: number): void {
    this.#fds.set(slot, fd);
  }

  forget(slot: FdSlot): void {
    this.#fds.delete(slot);
  }

  get size(): number {
    return this.#fds.size;
  }

  /** Closes every fd still open (a kernel mount with open files cannot be unmounted). */
  closeAll(fs: Pick<FdFsLike, 'closeSync'>): void {
    for (const fd of this.#fds.values()) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed by the filesystem under test: nothing to release */
      }
    }
    this.#fds.clear();
  }
}

/** What `summarizeStats` makes of an fd's `fstat` (passed in: it lives with the path ops). */
export type Summarize = (fd: number) => unknown;

/** Runs one fd op; throws what the filesystem throws. `root` prefixes paths. */
export function runFdOp(fs: FdFsLike, root: string, fds: FdTable, op: FdOp, summarize: Summarize): unknown {
  switch (op.op) {
    case 'fdOpen': {
      // A slot opened again drops its old fd first, as a program reusing a variable would.
      const old = fds.fdOf(op.fd);
      if (old !== closedFdNumber(op.fd)) {
        fds.forget(op.fd);
        fs.closeSync(old);
      }
      const flags = op.flags === 'dir' ? fs.constants.O_RDONLY | fs.constants.O_DIRECTORY : op.flags;
      fds.set(op.fd, fs.openSync(root + op.path, flags, op.mode ?? 0o644));
      return null;
    }
    case 'fdRead': {
      const buffer = new Uint8Array(Math.max(0, Math.min(op.length, 1 << 21)));
      const n = fs.readSync(fds.fdOf(op.fd), buffer, 0, op.length, op.position);
      return describeBytes(buffer.subarray(0, n));
    }
    case 'fdWrite': {
      const bytes = toBytes(op.data);
      return fs.writeSync(fds.fdOf(op.fd), bytes, 0, bytes.length, op.position);
    }
    case 'fdTruncate':
      fs.ftruncateSync(fds.fdOf(op.fd), op.len);
      return null;
    case 'fdStat':
      return summarize(fds.fdOf(op.fd));
    case 'fdClose': {
      const fd = fds.fdOf(op.fd);
      fds.forget(op.fd);
      fs.closeSync(fd);
      return null;
    }
    case 'fdChmod':
      callOf(fs, 'fchmodSync')(fds.fdOf(op.fd), op.mode);
      return null;
    case 'fdChown':
      callOf(fs, 'fchownSync')(fds.fdOf(op.fd), op.uid, op.gid);
      return null;
    case 'fdUtimes':
      callOf(fs, 'futimesSync')(fds.fdOf(op.fd), op.atime, op.mtime);
      return null;
    case 'fdSync':
      if (op.data) callOf(fs, 'fdatasyncSync')(fds.fdOf(op.fd));
      else callOf(fs, 'fsyncSync')(fds.fdOf(op.fd));
      return null;
    case 'fdReadFile':
      return describeBytes(fs.readFileSync(fds.fdOf(op.fd)));
    case 'fdWriteFile':
      fs.writeFileSync(fds.fdOf(op.fd), toBytes(op.data));
      return null;
    case 'opendir': {
      const dir = callOf(fs, 'opendirSync')(root + op.path);
      const names: string[] = [];
      try {
        for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) names.push(entry.name);
      } finally {
        dir.closeSync();
      }
      return names.sort();
    }
  }
}

/** `fdWrite(#1, "x", at 5)`, `fdOpen(#0, /a, r+)`. */
export function describeFdOp(op: FdOp): string {
  const slot = 'fd' in op ? `#${op.fd}` : '';
  const at = (p: number | null): string => (p === null ? 'at pos' : `at ${p}`);
  switch (op.op) {
    case 'fdOpen':
      return `fdOpen(${slot}, ${op.path}, ${op.flags}${op.mode !== undefined ? `, 0o${op.mode.toString(8)}` : ''})`;
    case 'fdRead':
      return `fdRead(${slot}, ${op.length}, ${at(op.position)})`;
    case 'fdWrite':
      return `fdWrite(${slot}, ${describeData(op.data)}, ${at(op.position)})`;
    case 'fdTruncate':
      return `fdTruncate(${slot}, ${op.len})`;
    case 'fdChmod':
      return `fdChmod(${slot}, 0o${op.mode.toString(8)})`;
    case 'fdChown':
      return `fdChown(${slot}, ${op.uid}, ${op.gid})`;
    case 'fdUtimes':
      return `fdUtimes(${slot}, ${op.atime}, ${op.mtime})`;
    case 'fdSync':
      return `${op.data ? 'fdatasync' : 'fsync'}(${slot})`;
    case 'fdWriteFile':
      return `fdWriteFile(${slot}, ${describeData(op.data)})`;
    case 'opendir':
      return `opendir(${op.path})`;
    default:
      return `${op.op}(${slot})`;
  }
}

/** Bytes an fd op writes (for size budgets of generated scenarios). */
export function fdOpBytes(op: FdOp): number {
  if (op.op !== 'fdWrite' && op.op !== 'fdWriteFile') return 0;
  return typeof op.data === 'string' ? byteLength(op.data) : op.data.size;
}
