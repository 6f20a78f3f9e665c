/**
 * The flat reference filesystem: a memfs `Volume` for storage (inodes, data, modes, owners,
 * link counts, fds), with the Linux namespace rules (path walk, errno choice and order, Node's
 * own algorithms for `rm` and `mkdir -p`) implemented here, because memfs gets many of them
 * wrong. Every place memfs is bypassed or corrected is a memfs deviation from Linux, listed in
 * `MEMFS_DEVIATIONS`; the reference is checked against this machine's kernel by
 * `test/property/flatReference.test.ts`.
 *
 * It behaves like Linux 6.x as root (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID) with umask
 * `umask`, driven through Node 20's `fs`, on one plain filesystem such as tmpfs: no overlay
 * rules at all. memfs only ever sees clean, symlink-free absolute paths of existing parents.
 */
import { cleanPath } from '../../../src/path/index.js';
import type { Volume } from 'memfs';
import type { FsConstantsLike, FsLike, StatsLike } from '../../../src/testing/index.js';

/** memfs behaviours that differ from Linux and what this wrapper does about each. */
export const MEMFS_DEVIATIONS: readonly string[] = [
  'rename follows a symlink given as the source and moves its target (Linux renames the link): non-directories are moved with link()+unlink() here',
  'rename checks nothing: file over dir, dir over file, dir over a non-empty dir, a dir into itself all "succeed" (the last one detaches the tree); the Linux checks (ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, same-inode no-op) are done here first',
  'rename over an existing name does not drop the replaced inode\'s link count: the target is unlinked/rmdir\'ed here first',
  'rename of two hard links of one inode removes the source (Linux: no-op, both names stay)',
  'stat and lstat of "file/" succeed (Linux: ENOTDIR); trailing slashes are handled by the path walk here',
  'link() of a directory succeeds (Linux: EPERM)',
  'unlink() of a directory is EPERM, the BSD answer (Linux: EISDIR)',
  'permission checks apply to uid 0 (Linux root has CAP_DAC_OVERRIDE): canRead/canWrite/canExecute are forced true while memfs runs',
  'no umask: new objects get the requested mode; the umask is applied here',
  'new objects take the owner of the host process, and setgid directories are ignored: owner set here (uid/gid options, group of a setgid parent, S_ISGID inherited by subdirectories)',
  'chown never clears S_ISUID/S_ISGID (Linux clears them on a non-directory, S_ISGID only with group execute): cleared here',
  'symlinks have mode 0o120666 and size 0 (Linux: 0o120777, size = target length): reported as Linux does',
  'the root directory reports 3 links too many (its "." and ".." entries are counted as links): directories report 2 + subdirectories here, as tmpfs and ext4 do',
  'O_TRUNC with O_RDONLY on a directory is not refused; open flags are checked here before memfs sees them',
];

/** Linux values (include/uapi/asm-generic/fcntl.h), as `fs.constants` has them on Linux. */
export const LINUX_CONSTANTS: FsConstantsLike = Object.freeze({
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  F_OK: 0,
  R_OK: 4,
  W_OK: 2,
  X_OK: 1,
  COPYFILE_EXCL: 1,
});

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_IXGRP = 0o010;
/** namei.c MAXSYMLINKS. */
const MAX_SYMLINKS = 40;
/** Longest name of one path component, in bytes of UTF-8 (include/uapi/linux/limits.h). */
const NAME_MAX = 255;

const C = LINUX_CONSTANTS;
const encoder = new TextEncoder();

/** The kernel counts a name's bytes, as Node hands it over: UTF-8. */
function nameTooLong(name: string): boolean {
  return encoder.encode(name).length > NAME_MAX;
}

export class ErrnoError extends Error {
  readonly code: string;
  constructor(code: string, syscall: string, path?: string) {
    super(`${code}: ${syscall}${path !== undefined ? ` '${path}'` : ''}`);
    this.code = code;
  }
}

type Kind = 'file' | 'dir' | 'symlink' | 'other';

/** What memfs reports for a node (its own `Stats`, read through this shape only). */
interface MemStats {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
}

class FlatStats implements StatsLike {
  readonly mode: number;
  readonly size: number;
  readonly nlink: number;
  readonly ino: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeMs: number;
  constructor(fields: { mode: number; size: number; nlink: number; ino: number; uid: number; gid: number; mtimeMs: number }) {
    this.mode = fields.mode;
    this.size = fields.size;
    this.nlink = fields.nlink;
    this.ino = fields.ino;
    this.uid = fields.uid;
    this.gid = fields.gid;
    this.mtimeMs = fields.mtimeMs;
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
}

/** A resolved name: the clean symlink-free path, and the node there if there is one. */
interface Resolved {
  path: string;
  st: MemStats | undefined;
  trailingSlash: boolean;
}

/** The parent of the last component (walked in full) and that component, unfollowed. */
interface ParentResolved {
  parent: string;
  name: string;
  path: string;
  st: MemStats | undefined;
  trailingSlash: boolean;
  /** The last component is `.`, `..`, or the path is the root: not a name to make or remove. */
  special: 'dot' | 'dotdot' | 'root' | undefined;
  /**
   * The last name is over NAME_MAX: the kernel's filesystem lookup of it fails (simple_lookup),
   * so each call reports ENAMETOOLONG where it looks the name up (namei.c), not before.
   */
  tooLong?: true;
}

interface OpenFile {
  path: string;
  kind: 'file' | 'dir';
  readable: boolean;
  writable: boolean;
  /** memfs fd (files only). */
  fd: number;
}

/** Minimal memfs internals used to lift its permission checks while it runs (see asRoot). */
interface PermissionProto {
  canRead: (...args: unknown[]) => boolean;
  canWrite: (...args: unknown[]) => boolean;
  canExecute: (...args: unknown[]) => boolean;
}

function kindOf(st: MemStats | undefined): Kind | undefined {
  if (st === undefined) return undefined;
  switch (st.mode & S_IFMT) {
    case S_IFDIR:
      return 'dir';
    case S_IFREG:
      return 'file';
    case S_IFLNK:
      return 'symlink';
    default:
      return 'other';
  }
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function fail(code: string, syscall: string, path?: string): never {
  throw new ErrnoError(code, syscall, path);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export interface FlatFsOptions {
  /** Mask applied to the mode of new objects (default 0o022, as a login shell has). */
  umask?: number;
  /** Owner of new objects (default 0:0, root). */
  uid?: number;
  gid?: number;
}

/** Linux (as root) over a memfs volume; see the file comment. Implements `FsLike` for `runOp`. */
export class FlatFs implements FsLike {
  readonly vol: Volume;
  readonly constants: FsConstantsLike = LINUX_CONSTANTS;
  readonly umask: number;
  readonly uid: number;
  readonly gid: number;
  readonly #proto: PermissionProto;
  readonly #fds = new Map<number, OpenFile>();
  #nextFd = 3;
  #rootDepth = 0;
  #saved: PermissionProto | undefined;

  constructor(vol: Volume, options: FlatFsOptions = {}) {
    this.vol = vol;
    this.umask = options.umask ?? 0o022;
    this.uid = options.uid ?? 0;
    this.gid = options.gid ?? 0;
    const core = (vol as unknown as { _core: { root: { getNode(): object }; releasedInos: number[] } })._core;
    this.#proto = Object.getPrototypeOf(core.root.getNode()) as PermissionProto;
    // Inode numbers are never reused, so that one number names one object for a whole run
    // (the overlay model tracks lower objects by it); memfs recycles freed numbers.
    const released: number[] = [];
    released.push = (): number => 0;
    core.releasedInos = released;
  }

  /** Runs memfs with root's permission bypass (memfs checks mode bits even for uid 0). */
  #asRoot<T>(fn: () => T): T {
    if (this.#rootDepth++ === 0) {
      const p = this.#proto;
      this.#saved = { canRead: p.canRead, canWrite: p.canWrite, canExecute: p.canExecute };
      p.canRead = p.canWrite = p.canExecute = (): boolean => true;
    }
    try {
      return fn();
    } finally {
      if (--this.#rootDepth === 0) Object.assign(this.#proto, this.#saved);
    }
  }

  // ------------------------------------------------------------------ memfs primitives

  #lst(path: string): MemStats | undefined {
    try {
      return this.#asRoot(() => this.vol.lstatSync(path) as unknown as MemStats);
    } catch (error) {
      if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  #readlink(path: string): string {
    return this.#asRoot(() => String(this.vol.readlinkSync(path)));
  }

  #names(path: string): string[] {
    return this.#asRoot(() => (this.vol.readdirSync(path) as unknown[]).map(String));
  }

  /** Linux link count: 2 + subdirectories for a directory, memfs's count otherwise. */
  #nlink(path: string, st: MemStats): number {
    if (kindOf(st) !== 'dir') return st.nlink;
    let n = 2;
    for (const name of this.#names(path)) if (kindOf(this.#lst(join(path, name))) === 'dir') n++;
    return n;
  }

  #stats(path: string, st: MemStats): FlatStats {
    const kind = kindOf(st);
    const mode = kind === 'symlink' ? S_IFLNK | 0o777 : st.mode;
    const size = kind === 'symlink' ? encoder.encode(this.#readlink(path)).length : st.size;
    return new FlatStats({ mode, size, nlink: this.#nlink(path, st), ino: st.ino, uid: st.uid, gid: st.gid, mtimeMs: st.mtimeMs });
  }

  /** Owner and setgid inheritance of a new object (inode_init_owner). */
  #initOwner(path: string, isDir: boolean): void {
    const parent = this.#lst(parentOf(path))!;
    const setgid = (parent.mode & S_ISGID) !== 0;
    this.#asRoot(() => {
      this.vol.lchownSync(path, this.uid, setgid ? parent.gid : this.gid);
      if (setgid && isDir) this.vol.chmodSync(path, (this.#lst(path)!.mode & 0o7777) | S_ISGID);
    });
  }

  // ------------------------------------------------------------------ path walk (namei)

  /**
   * Walks `path` as path_lookupat does: symlinks in the middle always followed, the last one
   * when `follow` or a trailing slash asks; absolute targets restart at the root.
   */
  #walk(path: string, follow: boolean, syscall: string): Resolved {
    if (path === '') fail('ENOENT', syscall, path);
    let trailingSlash = path.endsWith('/') || path.endsWith('/.');
    const steps = path.split('/').filter((s) => s !== '').reverse();
    let cur = '/';
    let curSt: MemStats | undefined = this.#lst('/');
    let links = 0;
    while (steps.length > 0) {
      const step = steps.pop()!;
      if (kindOf(curSt) !== 'dir') fail('ENOTDIR', syscall, path);
      if (step === '.') continue;
      if (step === '..') {
        cur = parentOf(cur);
        curSt = this.#lst(cur);
        continue;
      }
      if (nameTooLong(step)) fail('ENAMETOOLONG', syscall, path);
      const next = join(cur, step);
      const st = this.#lst(next);
      const last = steps.length === 0;
      if (kindOf(st) === 'symlink' && (!last || follow || trailingSlash)) {
        if (++links > MAX_SYMLINKS) fail('ELOOP', syscall, path);
        const target = this.#readlink(next);
        if (target.startsWith('/')) {
          cur = '/';
          curSt = this.#lst('/');
        }
        if (last && (target.endsWith('/') || target === '.' || target.endsWith('/.'))) trailingSlash = true;
        for (const s of target.split('/').filter((x) => x !== '').reverse()) steps.push(s);
        continue;
      }
      if (!last && st === undefined) fail('ENOENT', syscall, path);
      cur = next;
      curSt = st;
    }
    return { path: cur, st: curSt, trailingSlash };
  }

  /** An existing object; a trailing slash demands a directory. */
  #lookup(path: string, follow: boolean, syscall: string): Resolved & { st: MemStats } {
    const r = this.#walk(path, follow, syscall);
    if (r.st === undefined) fail('ENOENT', syscall, path);
    if (r.trailingSlash && kindOf(r.st) !== 'dir') fail('ENOTDIR', syscall, path);
    return r as Resolved & { st: MemStats };
  }

  /** filename_parentat + the unfollowed last component, for calls that make or remove names. */
  #parent(path: string, syscall: string): ParentResolved {
    if (path === '') fail('ENOENT', syscall, path);
    const trailingSlash = path.endsWith('/');
    const steps = path.split('/').filter((s) => s !== '');
    if (steps.length === 0) return { parent: '/', name: '', path: '/', st: this.#lst('/'), trailingSlash: false, special: 'root' };
    const name = steps[steps.length - 1]!;
    const prefix = steps.slice(0, -1);
    const parent = prefix.length === 0 ? '/' : this.#lookup('/' + prefix.join('/') + '/', true, syscall).path;
    if (name === '.') return { parent, name, path: parent, st: this.#lst(parent), trailingSlash: true, special: 'dot' };
    if (name === '..') return { parent, name, path: parentOf(parent), st: this.#lst(parentOf(parent)), trailingSlash, special: 'dotdot' };
    if (nameTooLong(name)) return { parent, name, path: join(parent, name), st: undefined, trailingSlash, special: undefined, tooLong: true };
    const child = join(parent, name);
    return { parent, name, path: child, st: this.#lst(child), trailingSlash, special: undefined };
  }

  /** Checks of filename_create: the name must be new; `x/` may only name a new directory. */
  #creatable(p: ParentResolved, wantDir: boolean, syscall: string, path: string): void {
    if (p.special !== undefined) fail('EEXIST', syscall, path);
    if (p.tooLong) fail('ENAMETOOLONG', syscall, path);
    if (p.st !== undefined) fail('EEXIST', syscall, path);
    if (p.trailingSlash && !wantDir) fail('ENOENT', syscall, path);
  }

  #isEmptyDir(path: string): boolean {
    return this.#names(path).length === 0;
  }

  // ------------------------------------------------------------------ public reads

  /** The clean symlink-free path `path` names (`follow`: through a final symlink), or an errno. */
  resolve(path: string, follow: boolean): { path: string; ino: number; kind: Kind } | { code: string } {
    try {
      const r = follow ? this.#lookup(path, true, 'resolve') : this.#parentLookupAsObject(path);
      return { path: r.path, ino: r.st.ino, kind: kindOf(r.st)! };
    } catch (error) {
      return { code: codeOf(error) ?? String(error) };
    }
  }

  #parentLookupAsObject(path: string): { path: string; st: MemStats } {
    const p = this.#parent(path, 'resolve');
    if (p.tooLong) fail('ENAMETOOLONG', 'resolve', path);
    if (p.st === undefined) fail('ENOENT', 'resolve', path);
    return { path: p.path, st: p.st };
  }

  existsSync(path: string): boolean {
    try {
      this.#lookup(path, true, 'access');
      return true;
    } catch {
      return false;
    }
  }

  statSync(path: string): StatsLike {
    const r = this.#lookup(path, true, 'stat');
    return this.#stats(r.path, r.st);
  }

  lstatSync(path: string): StatsLike {
    const r = this.#lookup(path, false, 'lstat');
    return this.#stats(r.path, r.st);
  }

  fstatSync(fd: number): StatsLike {
    const f = this.#fd(fd, 'fstat');
    const st = this.#lst(f.path);
    if (st === undefined) fail('EBADF', 'fstat');
    return this.#stats(f.path, st);
  }

  readFileSync(path: string): Uint8Array {
    const r = this.#lookup(path, true, 'open');
    if (kindOf(r.st) === 'dir') fail('EISDIR', 'read');
    return new Uint8Array(this.#asRoot(() => this.vol.readFileSync(r.path) as Uint8Array));
  }

  readdirSync(path: string): string[] {
    const r = this.#lookup(path, true, 'scandir');
    if (kindOf(r.st) !== 'dir') fail('ENOTDIR', 'scandir', path);
    return this.#names(r.path);
  }

  readlinkSync(path: string): string {
    const r = this.#lookup(path, false, 'readlink');
    if (kindOf(r.st) !== 'symlink') fail('EINVAL', 'readlink', path);
    return this.#readlink(r.path);
  }

  /**
   * Node's `fs.realpathSync`: path.resolve() first ('..' and a trailing slash go lexically),
   * then the clean path of the object.
   */
  realpathSync(path: string): string {
    return this.#lookup(cleanPath(path), true, 'realpath').path;
  }

  accessSync(path: string, mode: number = C.F_OK): void {
    const r = this.#lookup(path, true, 'access');
    // Root passes read and write checks; execute needs some x bit on a non-directory.
    if ((mode & C.X_OK) !== 0 && kindOf(r.st) !== 'dir' && (r.st.mode & 0o111) === 0) fail('EACCES', 'access', path);
  }

  // ------------------------------------------------------------------ open files

  #fd(fd: number, syscall: string): OpenFile {
    const f = this.#fds.get(fd);
    if (f === undefined) fail('EBADF', syscall);
    return f;
  }

  /** open(2): namei.c open_last_lookups + do_open, as root. */
  openSync(path: string, flags: number, mode = 0o666): number {
    const acc = flags & 3;
    const creat = (flags & C.O_CREAT) !== 0;
    const excl = creat && (flags & C.O_EXCL) !== 0;
    const trunc = (flags & C.O_TRUNC) !== 0;
    const directory = (flags & C.O_DIRECTORY) !== 0;
    const nofollow = (flags & C.O_NOFOLLOW) !== 0;
    // build_open_flags (Linux 6.4+): O_CREAT with O_DIRECTORY is meaningless.
    if (creat && directory) fail('EINVAL', 'open', path);
    const r = creat ? this.#createLookup(path, excl, nofollow) : this.#walk(path, !nofollow, 'open');
    let st = r.st;
    if (st === undefined) {
      if (!creat) fail('ENOENT', 'open', path);
      const create = mode & 0o7777 & ~this.umask;
      this.#asRoot(() => this.vol.closeSync(this.vol.openSync(r.path, C.O_WRONLY | C.O_CREAT | C.O_EXCL, create) as number));
      this.#initOwner(r.path, false);
      st = this.#lst(r.path)!;
    } else {
      if (excl) fail('EEXIST', 'open', path);
      const kind = kindOf(st);
      if (kind === 'symlink') fail('ELOOP', 'open', path);
      if (r.trailingSlash && kind !== 'dir') fail('ENOTDIR', 'open', path);
      if (kind === 'dir') {
        if (acc !== C.O_RDONLY || trunc || creat) fail('EISDIR', 'open', path);
      } else if (directory) {
        fail('ENOTDIR', 'open', path);
      }
    }
    const fd = this.#nextFd++;
    if (kindOf(st) === 'dir') {
      this.#fds.set(fd, { path: r.path, kind: 'dir', readable: true, writable: false, fd: -1 });
      return fd;
    }
    if (trunc) this.#asRoot(() => this.vol.truncateSync(r.path, 0));
    const memFlags = (acc === C.O_RDONLY ? C.O_RDONLY : C.O_RDWR) | (flags & C.O_APPEND);
    const memFd = this.#asRoot(() => this.vol.openSync(r.path, memFlags) as number);
    this.#fds.set(fd, { path: r.path, kind: 'file', readable: acc !== C.O_WRONLY, writable: acc !== C.O_RDONLY, fd: memFd });
    return fd;
  }

  /**
   * The last component for O_CREAT (open_last_lookups): the parent is walked, then a trailing
   * slash is EISDIR whatever the name is, then a final symlink is followed unless O_EXCL or
   * O_NOFOLLOW, its target's last component going through the same steps.
   */
  #createLookup(path: string, excl: boolean, nofollow: boolean): Resolved {
    let cur = path;
    let links = 0;
    for (;;) {
      const p = this.#parent(cur, 'open');
      if (p.special !== undefined || p.trailingSlash) {
        if (excl && p.special !== undefined) fail('EEXIST', 'open', path);
        fail('EISDIR', 'open', path);
      }
      if (p.tooLong) fail('ENAMETOOLONG', 'open', path);
      if (kindOf(p.st) === 'symlink' && !excl && !nofollow) {
        if (++links > MAX_SYMLINKS) fail('ELOOP', 'open', path);
        const target = this.#readlink(p.path);
        cur = target.startsWith('/') ? target : `${p.parent}/${target}`;
        continue;
      }
      return { path: p.path, st: p.st, trailingSlash: false };
    }
  }

  closeSync(fd: number): void {
    const f = this.#fd(fd, 'close');
    this.#fds.delete(fd);
    if (f.kind === 'file') this.#asRoot(() => this.vol.closeSync(f.fd));
  }

  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    const f = this.#fd(fd, 'read');
    if (f.kind === 'dir') fail('EISDIR', 'read');
    if (!f.readable) fail('EBADF', 'read');
    return this.#asRoot(() => this.vol.readSync(f.fd, buffer, offset, length, position));
  }

  writeSync(fd: number, buffer: Uint8Array, offset = 0, length = buffer.length - offset): number {
    const f = this.#fd(fd, 'write');
    if (!f.writable) fail('EBADF', 'write');
    return this.#asRoot(() => this.vol.writeSync(f.fd, buffer, offset, length));
  }

  ftruncateSync(fd: number, len = 0): void {
    const f = this.#fd(fd, 'ftruncate');
    if (f.kind === 'dir' || !f.writable || len < 0) fail('EINVAL', 'ftruncate');
    this.#asRoot(() => this.vol.ftruncateSync(f.fd, len));
  }

  writeFileSync(path: string, data: Uint8Array): void {
    const fd = this.openSync(path, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o666);
    try {
      this.writeSync(fd, data, 0, data.length);
    } finally {
      this.closeSync(fd);
    }
  }

  appendFileSync(path: string, data: Uint8Array): void {
    const fd = this.openSync(path, C.O_WRONLY | C.O_CREAT | C.O_APPEND, 0o666);
    try {
      this.writeSync(fd, data, 0, data.length);
    } finally {
      this.closeSync(fd);
    }
  }

  // ------------------------------------------------------------------ attributes

  chmodSync(path: string, mode: number): void {
    const r = this.#lookup(path, true, 'chmod');
    this.#asRoot(() => this.vol.chmodSync(r.path, mode & 0o7777));
  }

  /** chown(2) as root; on a non-directory it drops S_ISUID, and S_ISGID if group-executable. */
  chownSync(path: string, uid: number, gid: number): void {
    const r = this.#lookup(path, true, 'chown');
    this.#asRoot(() => {
      const st = this.#lst(r.path)!;
      this.vol.chownSync(r.path, uid === -1 ? st.uid : uid, gid === -1 ? st.gid : gid);
      if (kindOf(st) !== 'dir') {
        let perm = st.mode & 0o7777;
        perm &= ~S_ISUID;
        if ((perm & S_IXGRP) !== 0) perm &= ~S_ISGID;
        if (perm !== (st.mode & 0o7777)) this.vol.chmodSync(r.path, perm);
      }
    });
  }

  utimesSync(path: string, atime: number, mtime: number): void {
    const r = this.#lookup(path, true, 'utime');
    this.#asRoot(() => this.vol.utimesSync(r.path, atime, mtime));
  }

  truncateSync(path: string, len = 0): void {
    const r = this.#lookup(path, true, 'open');
    if (kindOf(r.st) === 'dir') fail('EISDIR', 'open', path);
    if (len < 0) fail('EINVAL', 'ftruncate', path);
    this.#asRoot(() => this.vol.truncateSync(r.path, len));
  }

  // ------------------------------------------------------------------ names

  #mkdirOne(path: string, mode: number): void {
    const p = this.#parent(path, 'mkdir');
    this.#creatable(p, true, 'mkdir', path);
    this.#asRoot(() => this.vol.mkdirSync(p.path, mode & ~this.umask & 0o1777));
    this.#initOwner(p.path, true);
  }

  /**
   * Node 20's `mkdirSync`: plain mkdir(2), or with `recursive` its C++ MKDirpSync (a stack of
   * paths cut at the last '/', mkdir each, stat on any other error), returning the first
   * directory it made, spelled as that algorithm spelled it.
   */
  mkdirSync(path: string, options: { mode?: number; recursive?: boolean } = {}): string | undefined {
    const mode = options.mode ?? 0o777;
    if (!options.recursive) {
      this.#mkdirOne(path, mode);
      return undefined;
    }
    const stack = [path];
    let first: string | undefined;
    while (stack.length > 0) {
      const next = stack.pop()!;
      let err = this.#errno(() => this.#mkdirOne(next, mode));
      for (;;) {
        if (err === undefined) {
          first ??= next;
          break;
        }
        if (err === 'EACCES' || err === 'ENOSPC' || err === 'ENOTDIR' || err === 'EPERM') fail(err, 'mkdir', path);
        if (err === 'ENOENT') {
          const cut = next.lastIndexOf('/');
          const dir = cut < 0 ? next : next.slice(0, cut);
          if (dir !== next) {
            stack.push(next, dir);
          } else if (stack.length === 0) {
            err = 'EEXIST';
            continue;
          }
          break;
        }
        const orig = err;
        let st: StatsLike | undefined;
        const statErr = this.#errno(() => (st = this.statSync(next)));
        if (statErr === undefined && !st!.isDirectory()) fail(orig === 'EEXIST' && stack.length > 0 ? 'ENOTDIR' : 'EEXIST', 'mkdir', path);
        if (statErr !== undefined) fail(statErr, 'mkdir', path);
        break;
      }
    }
    return first;
  }

  #errno(fn: () => void): string | undefined {
    try {
      fn();
      return undefined;
    } catch (error) {
      const code = codeOf(error);
      if (code === undefined) throw error;
      return code;
    }
  }

  rmdirSync(path: string): void {
    const p = this.#parent(path, 'rmdir');
    if (p.special === 'dot') fail('EINVAL', 'rmdir', path);
    if (p.special === 'dotdot') fail('ENOTEMPTY', 'rmdir', path);
    if (p.special === 'root') fail('EBUSY', 'rmdir', path);
    if (p.tooLong) fail('ENAMETOOLONG', 'rmdir', path);
    if (p.st === undefined) fail('ENOENT', 'rmdir', path);
    if (kindOf(p.st) !== 'dir') fail('ENOTDIR', 'rmdir', path);
    if (!this.#isEmptyDir(p.path)) fail('ENOTEMPTY', 'rmdir', path);
    this.#asRoot(() => this.vol.rmdirSync(p.path));
  }

  unlinkSync(path: string): void {
    const p = this.#parent(path, 'unlink');
    if (p.special !== undefined) fail('EISDIR', 'unlink', path);
    if (p.tooLong) fail('ENAMETOOLONG', 'unlink', path);
    if (p.st === undefined) fail('ENOENT', 'unlink', path);
    if (kindOf(p.st) === 'dir') fail('EISDIR', 'unlink', path);
    if (p.trailingSlash) fail('ENOTDIR', 'unlink', path);
    this.#asRoot(() => this.vol.unlinkSync(p.path));
  }

  /**
   * Node 20's `rmSync(path, { recursive, force })` (lib/internal/fs/rimraf.js), over this
   * filesystem's own lstat/unlink/rmdir/readdir: lstat must succeed (unless `force`), then a
   * non-directory is unlinked, a directory rmdir'ed, emptied child by child when not empty.
   */
  rmSync(path: string, options: { recursive?: boolean; force?: boolean } = {}): void {
    const force = options.force ?? false;
    let isDir: boolean | undefined;
    try {
      isDir = this.lstatSync(path).isDirectory();
    } catch (error) {
      if (!(force && codeOf(error) === 'ENOENT')) throw error;
    }
    if (isDir && !options.recursive) {
      const err = new ErrnoError('ERR_FS_EISDIR', 'rm', path);
      throw err;
    }
    this.#rimraf(path);
  }

  #rimraf(path: string): void {
    let isDir = false;
    try {
      isDir = this.lstatSync(path).isDirectory();
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return;
    }
    try {
      if (isDir) this.#rimrafDir(path, undefined);
      else this.unlinkSync(path);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT') return;
      if (code === 'EPERM') return this.#rimrafDir(path, error);
      if (code !== 'EISDIR') throw error;
      this.#rimrafDir(path, error);
    }
  }

  #rimrafDir(path: string, originalErr: unknown): void {
    try {
      this.rmdirSync(path);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT') return;
      if (code === 'ENOTDIR') throw originalErr ?? error;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') {
        for (const child of this.readdirSync(path)) this.#rimraf(`${path}/${child}`);
        try {
          this.rmdirSync(path);
          return;
        } catch (again) {
          if (codeOf(again) === 'ENOENT') return;
          throw again;
        }
      }
      throw originalErr ?? error;
    }
  }

  symlinkSync(target: string, path: string): void {
    if (target === '') fail('ENOENT', 'symlink', path);
    const p = this.#parent(path, 'symlink');
    this.#creatable(p, false, 'symlink', path);
    this.#asRoot(() => this.vol.symlinkSync(target, p.path));
    this.#initOwner(p.path, false);
  }

  linkSync(existingPath: string, newPath: string): void {
    const src = this.#lookup(existingPath, false, 'link');
    const p = this.#parent(newPath, 'link');
    this.#creatable(p, false, 'link', newPath);
    if (kindOf(src.st) === 'dir') fail('EPERM', 'link', existingPath);
    this.#asRoot(() => this.vol.linkSync(src.path, p.path));
  }

  /** What rename(2) would do: an errno, a no-op (the same inode under both names), or a move. */
  checkRename(oldPath: string, newPath: string): { code: string; trap?: true } | { noop: true } | { from: ParentResolved; to: ParentResolved } {
    try {
      const from = this.#parent(oldPath, 'rename');
      const to = this.#parent(newPath, 'rename');
      if (from.special !== undefined || to.special !== undefined) fail('EBUSY', 'rename', oldPath);
      // do_renameat2 looks up the source name, checks it exists, then looks up the target name.
      if (from.tooLong) fail('ENAMETOOLONG', 'rename', oldPath);
      if (from.st === undefined) fail('ENOENT', 'rename', oldPath);
      if (to.tooLong) fail('ENAMETOOLONG', 'rename', oldPath);
      const srcIsDir = kindOf(from.st) === 'dir';
      if (!srcIsDir && (from.trailingSlash || to.trailingSlash)) fail('ENOTDIR', 'rename', oldPath);
      // lock_rename traps: the source may not be an ancestor of the target (EINVAL), nor the
      // target an ancestor of the source (ENOTEMPTY).
      if (to.parent === from.path || to.parent.startsWith(from.path + '/')) fail('EINVAL', 'rename', oldPath);
      if (from.parent === to.path || from.parent.startsWith(to.path + '/')) return { code: 'ENOTEMPTY', trap: true };
      if (to.st !== undefined) {
        if (to.st.ino === from.st.ino) return { noop: true };
        const dstIsDir = kindOf(to.st) === 'dir';
        if (srcIsDir && !dstIsDir) fail('ENOTDIR', 'rename', oldPath);
        if (!srcIsDir && dstIsDir) fail('EISDIR', 'rename', oldPath);
        if (dstIsDir && !this.#isEmptyDir(to.path)) fail('ENOTEMPTY', 'rename', oldPath);
      }
      return { from, to };
    } catch (error) {
      const code = codeOf(error);
      if (code === undefined) throw error;
      return { code };
    }
  }

  renameSync(oldPath: string, newPath: string): void {
    const plan = this.checkRename(oldPath, newPath);
    if ('code' in plan) fail(plan.code, 'rename', oldPath);
    if ('noop' in plan) return;
    const { from, to } = plan;
    this.#asRoot(() => {
      if (to.st !== undefined) {
        if (kindOf(to.st) === 'dir') this.vol.rmdirSync(to.path);
        else this.vol.unlinkSync(to.path);
      }
      if (kindOf(from.st) === 'dir') {
        this.vol.renameSync(from.path, to.path);
      } else {
        this.vol.linkSync(from.path, to.path);
        this.vol.unlinkSync(from.path);
      }
    });
  }

  /**
   * libuv's uv_fs_copyfile: open the source read-only, open the target O_WRONLY|O_CREAT
   * (|O_EXCL) with the source's mode; unless exclusive, stop if both are one inode, else
   * truncate; fchmod to the source's mode; copy; on a failure after the target was opened,
   * unlink the target path.
   */
  copyFileSync(src: string, dest: string, flags = 0): void {
    const excl = (flags & C.COPYFILE_EXCL) !== 0;
    const srcFd = this.openSync(src, C.O_RDONLY);
    let dstFd: number | undefined;
    let failed: unknown;
    try {
      const srcSt = this.fstatSync(srcFd);
      dstFd = this.openSync(dest, C.O_WRONLY | C.O_CREAT | (excl ? C.O_EXCL : 0), srcSt.mode & 0o7777);
      const dst = this.#fds.get(dstFd)!;
      if (!excl && this.fstatSync(dstFd).ino === srcSt.ino) return;
      if (!excl) this.ftruncateSync(dstFd, 0);
      this.#asRoot(() => this.vol.chmodSync(dst.path, srcSt.mode & 0o7777));
      if (this.#fds.get(srcFd)!.kind === 'dir') fail('EISDIR', 'copyfile', src);
      const data = this.#asRoot(() => this.vol.readFileSync(this.#fds.get(srcFd)!.path) as Uint8Array);
      this.writeSync(dstFd, data, 0, data.length);
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      this.closeSync(srcFd);
      if (dstFd !== undefined) {
        this.closeSync(dstFd);
        if (failed !== undefined) this.#errno(() => this.unlinkSync(dest));
      }
    }
  }

  // ------------------------------------------------------------------ for the overlay model

  /**
   * Gives the non-directory at the clean path `path` an inode of its own, with the same data,
   * mode, owner and mtime (what a copy-up does to one name of a lower hard link, index=off).
   */
  breakHardLink(path: string): void {
    this.#asRoot(() => {
      const st = this.#lst(path)!;
      if (kindOf(st) === 'symlink') {
        const target = this.#readlink(path);
        this.vol.unlinkSync(path);
        this.vol.symlinkSync(target, path);
      } else {
        const data = new Uint8Array(this.vol.readFileSync(path) as Uint8Array);
        this.vol.unlinkSync(path);
        this.vol.writeFileSync(path, data);
        this.vol.chmodSync(path, st.mode & 0o7777);
      }
      this.vol.lchownSync(path, st.uid, st.gid);
      this.vol.lutimesSync(path, st.mtimeMs / 1000, st.mtimeMs / 1000);
    });
  }
}
