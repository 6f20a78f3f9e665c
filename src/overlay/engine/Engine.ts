import {
  FileData,
  UpperDir,
  WHITEOUT,
  copyUpInode,
  metaFromLayer,
  newFileInode,
  newSymlinkInode,
  type MutableMeta,
  type UpperInode,
  type UpperNode,
} from '../../cow/index.js';
import { FsError, type ErrnoCode } from '../../errors/index.js';
import { allocateIno, type Content, type LayerInode } from '../../layer/index.js';
import { compareNames, joinPath, parsePath } from '../../path/index.js';
import { exists, isDir, kindOf, pathOf, type Dentry, type ObjectKind } from './Dentry.js';
import type { LowerDir, LowerNode, LowerTree } from './LowerTree.js';

/** Kernel limit on symlinks followed in one lookup (namei.c MAXSYMLINKS). */
const MAX_SYMLINKS = 40;
/** Longest name one path component may have (NAME_MAX). */
const NAME_MAX = 255;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;

export interface EngineOptions {
  /** `redirect_dir=on`: lower and merged directories can be renamed (else EXDEV). */
  redirectDir: boolean;
  /** `index=on`: hard links between lower names survive copy-up. */
  index: boolean;
  /** `metacopy=on`: attribute changes copy up metadata only, data stays below until written. */
  metacopy: boolean;
  clock: () => number;
  uid: number;
  gid: number;
  umask: number;
}

/** What `stat` reports, before the fs facade dresses it as a Node `Stats`. */
export interface StatInfo {
  kind: ObjectKind;
  mode: number;
  ino: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  atime: number;
  mtime: number;
  ctime: number;
}

export interface DirEntryInfo {
  name: string;
  kind: ObjectKind;
}

/** An open file description: which object, how it was opened, where its offset is. */
export interface Handle {
  readonly kind: 'file' | 'dir';
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  position: number;
  /** The upper object when the file is (or was made) upper at open time. */
  upper: UpperInode | undefined;
  /** The lower object of a file opened read-only and not copied up. */
  readonly lower: LayerInode | undefined;
  /** Directories: the dentry opened. */
  readonly dir: Dentry | undefined;
}

type Found = Dentry | ErrnoCode;

interface ParentLookup {
  parent: Dentry;
  child: Dentry;
  trailingSlash: boolean;
  /** `.`, `..` or the root as last component: not a name that can be made or removed. */
  special: 'dot' | 'dotdot' | 'root' | undefined;
}

function fail(code: ErrnoCode): never {
  throw FsError.of(code);
}

/**
 * The overlay's semantics on normalised arguments: path walk over an upper tree and the merged
 * lower tree, copy-up, whiteouts, opaque directories, redirects and the index. It never sees
 * Node conventions (flags strings, encodings, callbacks); the fs facade does that.
 */
export class Engine {
  readonly upperRoot: UpperDir;
  readonly lower: LowerTree;
  readonly options: EngineOptions;
  /** `index=on`: upper objects of lower hard-linked inodes, shared by all their names. */
  readonly indexed = new Map<LayerInode, UpperInode>();
  /** Copied-up objects of singly-linked lower inodes, so open read-only fds follow copy-up. */
  readonly copiedUp = new Map<LayerInode, UpperInode>();

  constructor(lower: LowerTree, options: EngineOptions) {
    this.lower = lower;
    this.options = options;
    this.upperRoot = new UpperDir(lower.root.ino, metaFromLayer(lower.root.meta), false);
  }

  allocateIno(): number {
    return allocateIno();
  }

  root(): Dentry {
    return {
      parent: null,
      name: '',
      upper: this.upperRoot,
      lower: this.lower.layers.length > 0 ? this.lower.root : undefined,
      whiteout: false,
    };
  }

  // ---------------------------------------------------------------- lookup

  /** The entry `name` inside directory `dir` (overlayfs.rst "Directories", whiteouts, opaque). */
  child(dir: Dentry, name: string): Dentry {
    const upperDir = dir.upper?.kind === 'dir' ? dir.upper : undefined;
    const lowerDir = dir.lower?.kind === 'dir' ? dir.lower : undefined;
    const u = upperDir?.children.get(name);
    if (u !== undefined) {
      if (u.kind === 'whiteout') return { parent: dir, name, upper: undefined, lower: undefined, whiteout: true };
      if (u.kind !== 'dir' || u.opaque) return { parent: dir, name, upper: u, lower: undefined, whiteout: false };
      const l = u.redirect !== undefined ? this.lower.lookup(u.redirect) : lowerDir?.children.get(name);
      return { parent: dir, name, upper: u, lower: l?.kind === 'dir' ? l : undefined, whiteout: false };
    }
    return { parent: dir, name, upper: undefined, lower: lowerDir?.children.get(name), whiteout: false };
  }

  /**
   * The dentry at exactly this clean path, every component taken literally: no symlink is
   * followed, so a name reached only through a link is not found (undefined).
   */
  lookupLiteral(path: string): Dentry | undefined {
    let d = this.root();
    for (const name of path.split('/')) {
      if (name === '') continue;
      if (kindOf(d) !== 'dir') return undefined;
      d = this.child(d, name);
      if (!exists(d)) return undefined;
    }
    return d;
  }

  /**
   * Walks `path` as the kernel does: symlinks in the middle always followed, the last one
   * when `followLast` or a trailing slash asks; `..` climbs the dentries actually walked and
   * stops at the root; absolute link targets restart at the overlay root. Returns the final
   * dentry (possibly negative) or an errno, never throwing on the hot path.
   */
  walk(path: string, followLast: boolean, creating = false): { d: Dentry; trailingSlash: boolean } | ErrnoCode {
    if (path === '') return 'ENOENT';
    const parsed = parsePath(path);
    let steps = parsed.steps;
    let trailingSlash = parsed.trailingSlash;
    let cur = this.root();
    let links = 0;
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      if (kindOf(cur) !== 'dir') return 'ENOTDIR';
      if (step === '..') {
        cur = cur.parent ?? cur;
        continue;
      }
      if (step.length > NAME_MAX) return 'ENAMETOOLONG';
      const last = k === steps.length - 1;
      // open(O_CREAT) refuses a last component with a trailing slash before looking it up,
      // also when it comes from a followed symlink's target (namei.c open_last_lookups).
      if (last && creating && trailingSlash) return 'EISDIR';
      const next = this.child(cur, step);
      if (kindOf(next) === 'symlink' && (!last || followLast || trailingSlash)) {
        if (++links > MAX_SYMLINKS) return 'ELOOP';
        const target = this.symlinkTarget(next);
        const t = parsePath(target);
        if (target.startsWith('/')) cur = this.root();
        if (last && t.trailingSlash) trailingSlash = true;
        // The target's steps take the link's place; what followed the link comes after.
        steps = t.steps.concat(steps.slice(k + 1));
        k = -1;
        continue;
      }
      if (!last && !exists(next)) return 'ENOENT';
      cur = next;
    }
    return { d: cur, trailingSlash };
  }

  /**
   * The hot path of stat, exists and readFile: a plain absolute path (no `.`, `..`, `//`,
   * trailing slash, nor a symlink anywhere on the way) walked without building a dentry per
   * step. Returns `undefined` when the path needs the full walk. The dentry it returns has no
   * parent: it is for reading only.
   */
  private fastLookup(path: string): Found | undefined {
    if (path.charCodeAt(0) !== 0x2f || path.length === 1) return undefined;
    let upper: Dentry['upper'] = this.upperRoot;
    let lower: LowerNode | undefined = this.lower.layers.length > 0 ? this.lower.root : undefined;
    let start = 1;
    const n = path.length;
    for (;;) {
      let end = path.indexOf('/', start);
      if (end < 0) end = n;
      const len = end - start;
      if (len === 0 || len > NAME_MAX || (path.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 0x2e)))) {
        return undefined;
      }
      if ((upper ?? lower)!.kind !== 'dir') return 'ENOTDIR';
      const name = path.slice(start, end);
      const upperDir: UpperDir | undefined = upper?.kind === 'dir' ? upper : undefined;
      const lowerDir: LowerDir | undefined = lower?.kind === 'dir' ? lower : undefined;
      const u: UpperNode | undefined = upperDir?.children.get(name);
      if (u !== undefined) {
        if (u.kind === 'whiteout') return 'ENOENT';
        if (u.kind !== 'dir' || u.opaque) lower = undefined;
        else if (u.redirect !== undefined) return undefined;
        else {
          const l: LowerNode | undefined = lowerDir?.children.get(name);
          lower = l?.kind === 'dir' ? l : undefined;
        }
        upper = u;
      } else {
        upper = undefined;
        lower = lowerDir?.children.get(name);
        if (lower === undefined) return 'ENOENT';
      }
      if ((upper ?? lower)!.kind === 'symlink') return undefined;
      if (end === n) return { parent: null, name, upper, lower, whiteout: false };
      start = end + 1;
      if (start === n) return undefined; // a trailing slash
    }
  }

  /** An existing object, for reading only (stat, exists, readFile). */
  lookupForRead(path: string): Found {
    return this.fastLookup(path) ?? this.lookup(path, true);
  }

  /** An existing object; a trailing slash demands a directory. */
  lookup(path: string, followLast = true): Found {
    const r = this.walk(path, followLast);
    if (typeof r === 'string') return r;
    if (!exists(r.d)) return 'ENOENT';
    if (r.trailingSlash && !isDir(r.d)) return 'ENOTDIR';
    return r.d;
  }

  lookupOrThrow(path: string, followLast = true): Dentry {
    const d = this.lookup(path, followLast);
    return typeof d === 'string' ? fail(d) : d;
  }

  /**
   * The parent directory and the unfollowed last component, for calls that make or remove
   * names (unlink, rmdir, mkdir, rename, link, symlink): they never follow the last symlink.
   */
  private lookupParent(path: string): ParentLookup {
    const parsed = parsePath(path);
    if (path === '') fail('ENOENT');
    if (parsed.steps.length === 0) {
      const root = this.root();
      return { parent: root, child: root, trailingSlash: false, special: parsed.lastDot ? 'dot' : 'root' };
    }
    if (parsed.lastDot) {
      // `dir/.`: the directory itself is the "parent", and `.` a name nothing can make or remove.
      const dir = this.lookupOrThrow(path, true);
      return { parent: dir, child: dir, trailingSlash: true, special: 'dot' };
    }
    const steps = parsed.steps;
    const name = steps[steps.length - 1]!;
    const prefix = (path.startsWith('/') ? '/' : '') + steps.slice(0, -1).join('/');
    const parent = prefix === '' ? this.root() : this.lookupOrThrow(prefix + '/', true);
    if (name === '..') return { parent, child: parent.parent ?? parent, trailingSlash: parsed.trailingSlash, special: 'dotdot' };
    if (name.length > NAME_MAX) fail('ENAMETOOLONG');
    return { parent, child: this.child(parent, name), trailingSlash: parsed.trailingSlash, special: undefined };
  }

  // ---------------------------------------------------------------- reading

  /** The object a non-directory dentry shows: upper, the index's copy, or the lower one. */
  objectOf(d: Dentry): UpperInode | LayerInode {
    if (d.upper !== undefined && d.upper.kind !== 'dir') return d.upper.inode;
    const l = d.lower;
    if (l === undefined || l.kind === 'dir') throw new Error('objectOf: not a file or symlink');
    return this.indexed.get(l.inode) ?? l.inode;
  }

  symlinkTarget(d: Dentry): string {
    return this.objectOf(d).target!;
  }

  stat(d: Dentry): StatInfo {
    if (isDir(d)) return this.statDir(d);
    const o = this.objectOf(d);
    const isUpper = 'data' in o;
    const size = o.type === 'symlink' ? byteLength(o.target!) : isUpper ? (o as UpperInode).data!.size : (o as LayerInode).content!.size;
    const meta = o.meta;
    const mtime = meta.mtime;
    return {
      kind: o.type,
      mode: (o.type === 'file' ? S_IFREG : S_IFLNK) | meta.mode,
      ino: o.ino,
      nlink: o.nlink,
      uid: meta.uid,
      gid: meta.gid,
      size,
      atime: isUpper ? (meta as MutableMeta).atime : mtime,
      mtime,
      ctime: isUpper ? (meta as MutableMeta).ctime : mtime,
    };
  }

  private statDir(d: Dentry): StatInfo {
    const u = d.upper?.kind === 'dir' ? d.upper : undefined;
    const l = d.lower?.kind === 'dir' ? d.lower : undefined;
    const meta = u?.meta ?? metaFromLayer(l!.meta);
    // overlayfs reports nlink 1 for a merged directory (it cannot count the union cheaply);
    // a directory from one layer reports that layer's 2 + subdirectories (kernel obs. 11).
    const merged = u !== undefined ? l !== undefined : l!.layers > 1;
    let nlink = 1;
    if (!merged) {
      nlink = 2;
      if (u !== undefined) for (const c of u.children.values()) nlink += c.kind === 'dir' ? 1 : 0;
      else for (const c of l!.children.values()) nlink += c.kind === 'dir' ? 1 : 0;
    }
    return {
      kind: 'dir',
      mode: S_IFDIR | meta.mode,
      ino: u?.ino ?? l!.ino,
      nlink,
      uid: meta.uid,
      gid: meta.gid,
      size: 4096,
      atime: meta.atime,
      mtime: meta.mtime,
      ctime: meta.ctime,
    };
  }

  /** Merged readdir (overlayfs.rst "readdir"): upper names, then lower ones not hidden; sorted. */
  readdir(d: Dentry): DirEntryInfo[] {
    if (!isDir(d)) fail('ENOTDIR');
    const out: DirEntryInfo[] = [];
    const u = d.upper?.kind === 'dir' ? d.upper : undefined;
    const l = d.lower?.kind === 'dir' ? d.lower : undefined;
    if (u !== undefined) {
      for (const [name, node] of u.children) if (node.kind !== 'whiteout') out.push({ name, kind: node.kind });
    }
    if (l !== undefined) {
      for (const [name, node] of l.children) if (!u?.children.has(name)) out.push({ name, kind: node.kind });
    }
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  private isEmptyDir(d: Dentry): boolean {
    const u = d.upper?.kind === 'dir' ? d.upper : undefined;
    const l = d.lower?.kind === 'dir' ? d.lower : undefined;
    if (u !== undefined) for (const node of u.children.values()) if (node.kind !== 'whiteout') return false;
    if (l !== undefined) for (const name of l.children.keys()) if (!u?.children.has(name)) return false;
    return true;
  }

  readlink(path: string): string {
    const d = this.lookupOrThrow(path, false);
    if (kindOf(d) !== 'symlink') fail('EINVAL');
    return this.symlinkTarget(d);
  }

  realpath(path: string): string {
    return pathOf(this.lookupOrThrow(path, true));
  }

  /** File data of a non-directory dentry (not copied up by reading). */
  dataOf(d: Dentry): FileData | Content {
    const o = this.objectOf(d);
    return 'data' in o ? o.data! : o.content!;
  }

  // ---------------------------------------------------------------- copy-up

  /**
   * The upper directory for `d`, copying it and any missing ancestors up first with their
   * lower attributes (overlayfs.rst "Non-directories": parents first; kernel obs. 2: their
   * times are kept).
   */
  upperDirOf(d: Dentry): UpperDir {
    if (d.upper?.kind === 'dir') return d.upper;
    const chain: Dentry[] = [];
    let cur: Dentry = d;
    while (cur.upper?.kind !== 'dir') {
      chain.push(cur);
      cur = cur.parent!;
    }
    let parentUpper: UpperDir = cur.upper;
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i]!;
      // Another dentry of the same call may have copied this directory up already.
      const existing = parentUpper.children.get(c.name);
      let u: UpperDir;
      if (existing?.kind === 'dir') u = existing;
      else {
        const l = c.lower as LowerDir;
        u = new UpperDir(l.ino, metaFromLayer(l.meta), false);
        parentUpper.children.set(c.name, u);
      }
      c.upper = u;
      parentUpper = u;
    }
    return parentUpper;
  }

  /**
   * Copy-up of a file or symlink before any change (overlayfs.rst "Non-directories"). With
   * `metaOnly` and `metacopy=on` only attributes are copied; the data stays below until the
   * first write. A lower hard link is broken (a new inode) unless `index=on`, which gives every
   * name of the lower inode one shared upper object (overlayfs.rst "index").
   */
  copyUp(d: Dentry, metaOnly: boolean): UpperInode {
    if (d.upper !== undefined && d.upper.kind !== 'dir') {
      if (!metaOnly) d.upper.inode.metacopy = false;
      return d.upper.inode;
    }
    const l = d.lower;
    if (l === undefined || l.kind === 'dir') throw new Error('copyUp: not a lower file or symlink');
    const parentUpper = this.upperDirOf(d.parent!);
    const already = parentUpper.children.get(d.name);
    if (already !== undefined && already.kind !== 'dir' && already.kind !== 'whiteout') {
      // Copied up through another dentry of the same call.
      d.upper = already;
      d.lower = undefined;
      if (!metaOnly) already.inode.metacopy = false;
      return already.inode;
    }
    const metacopy = metaOnly && this.options.metacopy && l.inode.type === 'file';
    let inode: UpperInode;
    if (l.inode.nlink > 1 && this.options.index) {
      inode = this.indexedCopy(l.inode, metacopy);
    } else if (l.inode.nlink > 1) {
      inode = copyUpInode(l.inode, allocateIno(), metacopy);
    } else {
      inode = copyUpInode(l.inode, l.inode.ino, metacopy);
      this.copiedUp.set(l.inode, inode);
    }
    if (!metaOnly) inode.metacopy = false;
    parentUpper.children.set(d.name, { kind: inode.type, inode });
    d.upper = { kind: inode.type, inode };
    d.lower = undefined;
    return inode;
  }

  private indexedCopy(lower: LayerInode, metacopy: boolean): UpperInode {
    let inode = this.indexed.get(lower);
    if (inode === undefined) {
      inode = copyUpInode(lower, lower.ino, metacopy);
      inode.nlink = lower.nlink;
      this.indexed.set(lower, inode);
    }
    return inode;
  }

  // ---------------------------------------------------------------- changing attributes

  private now(): number {
    return this.options.clock();
  }

  /** Attributes of `d` made writable: copies up (metadata only where allowed). */
  private writableMeta(d: Dentry): MutableMeta {
    if (isDir(d)) return this.upperDirOf(d).meta;
    return this.copyUp(d, true).meta;
  }

  chmod(path: string, mode: number, follow = true): void {
    const d = this.lookupOrThrow(path, follow);
    const meta = this.writableMeta(d);
    meta.mode = mode & 0o7777;
    meta.ctime = this.now();
  }

  chown(path: string, uid: number, gid: number, follow = true): void {
    const d = this.lookupOrThrow(path, follow);
    const meta = this.writableMeta(d);
    if (uid !== -1) meta.uid = uid;
    if (gid !== -1) meta.gid = gid;
    // chown of a non-directory drops set-user-ID, and set-group-ID when group-executable,
    // even for root (open.c chown_common: ATTR_KILL_SUID | ATTR_KILL_SGID).
    if (!isDir(d)) {
      meta.mode &= ~S_ISUID;
      if ((meta.mode & 0o010) !== 0) meta.mode &= ~S_ISGID;
    }
    meta.ctime = this.now();
  }

  utimes(path: string, atime: number, mtime: number, follow = true): void {
    const d = this.lookupOrThrow(path, follow);
    const meta = this.writableMeta(d);
    meta.atime = atime;
    meta.mtime = mtime;
    meta.ctime = this.now();
  }

  truncate(path: string, length: number): void {
    if (length < 0) fail('EINVAL');
    const d = this.lookupOrThrow(path, true);
    if (isDir(d)) fail('EISDIR');
    this.truncateInode(this.copyUp(d, false), length);
  }

  private truncateInode(inode: UpperInode, length: number): void {
    inode.data!.truncate(length);
    inode.metacopy = false;
    inode.meta.mtime = inode.meta.ctime = this.now();
  }

  // ---------------------------------------------------------------- creating and removing

  private touchDir(dir: UpperDir): void {
    dir.meta.mtime = dir.meta.ctime = this.now();
  }

  /**
   * Attributes of a new object in `parent`: a set-group-ID directory hands down its group,
   * and to new subdirectories the bit itself (inode.c inode_init_owner).
   */
  private newMeta(mode: number, parent: UpperDir, isDirectory = false): MutableMeta {
    const t = this.now();
    let gid = this.options.gid;
    let bits = mode & 0o7777;
    if ((parent.meta.mode & S_ISGID) !== 0) {
      gid = parent.meta.gid;
      if (isDirectory) bits |= S_ISGID;
    }
    return { mode: bits, uid: this.options.uid, gid, mtime: t, atime: t, ctime: t, xattrs: {} };
  }

  /** Something below the upper layer has this name (so removing it needs a whiteout). */
  private lowerHas(parent: Dentry, name: string): boolean {
    return parent.lower?.kind === 'dir' && parent.lower.children.has(name);
  }

  /** Checks shared by calls that create a name (namei.c filename_create). */
  private creatable(p: ParentLookup, wantDir: boolean): void {
    if (p.special !== undefined) fail('EEXIST');
    if (exists(p.child)) fail('EEXIST');
    // "you had / on the end, you've been asking for a (non-existent) directory"
    if (p.trailingSlash && !wantDir) fail('ENOENT');
  }

  mkdir(path: string, mode: number): void {
    const p = this.lookupParent(path);
    this.creatable(p, true);
    const parentUpper = this.upperDirOf(p.parent);
    // Over a whiteout (something below has this name) the new directory must hide it:
    // opaque (overlayfs.rst "whiteouts and opaque directories"; kernel obs. 4).
    const opaque = p.child.whiteout || this.lowerHas(p.parent, p.child.name);
    const meta = this.newMeta(mode & ~this.options.umask & 0o1777, parentUpper, true);
    parentUpper.children.set(p.child.name, new UpperDir(allocateIno(), meta, opaque));
    this.touchDir(parentUpper);
  }

  symlink(target: string, path: string): void {
    const p = this.lookupParent(path);
    this.creatable(p, false);
    if (target === '') fail('ENOENT');
    const parentUpper = this.upperDirOf(p.parent);
    const inode = newSymlinkInode(allocateIno(), this.newMeta(0o777, parentUpper), target);
    parentUpper.children.set(p.child.name, { kind: 'symlink', inode });
    this.touchDir(parentUpper);
  }

  link(existingPath: string, newPath: string): void {
    const src = this.lookupOrThrow(existingPath, false);
    const p = this.lookupParent(newPath);
    this.creatable(p, false);
    if (isDir(src)) fail('EPERM');
    // link(2) copies the source up first, then links in the upper layer (kernel obs. 9).
    const inode = this.copyUp(src, true);
    const parentUpper = this.upperDirOf(p.parent);
    parentUpper.children.set(p.child.name, { kind: inode.type, inode });
    inode.nlink++;
    inode.meta.ctime = this.now();
    this.touchDir(parentUpper);
  }

  unlink(path: string): void {
    const p = this.lookupParent(path);
    if (p.special !== undefined) fail('EISDIR');
    const d = p.child;
    if (!exists(d)) fail('ENOENT');
    if (isDir(d)) fail('EISDIR');
    if (p.trailingSlash) fail('ENOTDIR');
    this.removeName(d);
  }

  rmdir(path: string): void {
    const p = this.lookupParent(path);
    if (p.special === 'dot') fail('EINVAL');
    if (p.special === 'dotdot') fail('ENOTEMPTY');
    if (p.special === 'root') fail('EBUSY');
    const d = p.child;
    if (!exists(d)) fail('ENOENT');
    if (!isDir(d)) fail('ENOTDIR');
    if (!this.isEmptyDir(d)) fail('ENOTEMPTY');
    this.removeName(d);
  }

  /**
   * Removes an existing name: from the upper layer if there, and with a whiteout if anything
   * below has the name (overlayfs.rst "whiteouts"; kernel obs. 3).
   */
  private removeName(d: Dentry): void {
    const parentUpper = this.upperDirOf(d.parent!);
    if (d.upper !== undefined) {
      parentUpper.children.delete(d.name);
      if (d.upper.kind !== 'dir') d.upper.inode.nlink--;
    } else if (d.lower !== undefined && d.lower.kind !== 'dir' && this.options.index && d.lower.inode.nlink > 1) {
      // index=on keeps the link count right: the inode goes to the index, one name fewer.
      this.indexedCopy(d.lower.inode, false).nlink--;
    }
    if (this.lowerHas(d.parent!, d.name)) parentUpper.children.set(d.name, WHITEOUT);
    this.touchDir(parentUpper);
  }

  /** The identity of what a dentry shows, for "same file" and ancestor checks. */
  private identity(d: Dentry): object | undefined {
    if (!exists(d)) return undefined;
    if (isDir(d)) return (d.upper ?? d.lower)!;
    // With index=off every name of a lower hard link is its own overlay inode (inode.c
    // ovl_hash_bylower: "lower hardlink is or will be broken on copy up"), so renaming one
    // name over another is a real rename, not the same-file no-op.
    if (d.upper === undefined && !this.options.index && d.lower!.kind !== 'dir' && d.lower!.inode.nlink > 1) return d;
    return this.objectOf(d);
  }

  rename(oldPath: string, newPath: string): void {
    const a = this.lookupParent(oldPath);
    const b = this.lookupParent(newPath);
    if (a.special !== undefined || b.special !== undefined) fail('EBUSY');
    const src = a.child;
    const dst = b.child;
    if (!exists(src)) fail('ENOENT');
    const srcId = this.identity(src)!;
    const dstId = this.identity(dst);
    const srcIsDir = isDir(src);
    // namei.c do_renameat2, in its order: a trailing slash needs a directory source; the
    // source may not be an ancestor of the target (EINVAL), nor the target of the source.
    if (!srcIsDir && (a.trailingSlash || b.trailingSlash)) fail('ENOTDIR');
    for (let cur: Dentry | null = b.parent; cur !== null; cur = cur.parent) if (this.identity(cur) === srcId) fail('EINVAL');
    if (dstId !== undefined) for (let cur: Dentry | null = a.parent; cur !== null; cur = cur.parent) if (this.identity(cur) === dstId) fail('ENOTEMPTY');
    // The same file under both names (or the very same name): nothing to do.
    if (srcId === dstId || (src.name === dst.name && this.identity(a.parent) === this.identity(b.parent))) return;
    if (dstId !== undefined) {
      if (srcIsDir && !isDir(dst)) fail('ENOTDIR');
      if (!srcIsDir && isDir(dst)) fail('EISDIR');
    }
    // overlayfs.rst "Renaming directories": a directory with a lower part cannot move without
    // redirect_dir; EXDEV makes tools like mv copy instead (kernel obs. 6).
    if (srcIsDir && src.lower !== undefined && !this.options.redirectDir) fail('EXDEV');
    if (dstId !== undefined && srcIsDir && !this.isEmptyDir(dst)) {
      // ovl_rename checks a target with a lower part itself; a pure-upper target is left to
      // the upper filesystem's rename, after the source was already copied up.
      if (dst.lower === undefined) {
        this.upperDirOf(src);
        this.upperDirOf(b.parent);
      }
      fail('ENOTEMPTY');
    }

    let moved: UpperDir | { kind: 'file' | 'symlink'; inode: UpperInode };
    if (srcIsDir) {
      const u = this.upperDirOf(src);
      if (src.lower !== undefined && u.redirect === undefined) u.redirect = (src.lower as LowerDir).path;
      moved = u;
    } else {
      const inode = this.copyUp(src, true);
      moved = { kind: inode.type, inode };
    }
    const srcParentUpper = this.upperDirOf(a.parent);
    const dstParentUpper = this.upperDirOf(b.parent);
    if (dst.upper !== undefined && dst.upper.kind !== 'dir') dst.upper.inode.nlink--;
    else if (dst.lower !== undefined && dst.lower.kind !== 'dir' && dst.upper === undefined && this.options.index && dst.lower.inode.nlink > 1) {
      this.indexedCopy(dst.lower.inode, false).nlink--;
    }
    srcParentUpper.children.delete(src.name);
    if (this.lowerHas(a.parent, src.name)) srcParentUpper.children.set(src.name, WHITEOUT);
    dstParentUpper.children.set(dst.name, moved);
    if (moved.kind === 'dir') {
      const home = b.parent.lower?.kind === 'dir' ? joinPath(b.parent.lower.path, dst.name) : undefined;
      // Back at the lower path it redirects to: a plain merged directory again.
      if (moved.redirect !== undefined && moved.redirect === home) moved.redirect = undefined;
      // A directory without a redirect must not merge with what lies below its new name.
      else if (moved.redirect === undefined && this.lowerHas(b.parent, dst.name)) moved.opaque = true;
    }
    this.touchDir(srcParentUpper);
    this.touchDir(dstParentUpper);
    if (moved.kind === 'dir') moved.meta.ctime = this.now();
    else moved.inode.meta.ctime = this.now();
  }

  // ---------------------------------------------------------------- open files

  /**
   * open(2): copy-up happens on opening for write or with O_TRUNC, even if nothing is written
   * (kernel obs. 1); O_CREAT|O_EXCL never follows a final symlink, so a dangling one is EEXIST;
   * a plain O_CREAT through a dangling symlink creates its target (obs. 12).
   */
  open(path: string, flags: number, mode: number): Handle {
    const access = flags & O_ACCMODE;
    const creat = (flags & O_CREAT) !== 0;
    const excl = creat && (flags & O_EXCL) !== 0;
    const trunc = (flags & O_TRUNC) !== 0;
    const nofollow = (flags & O_NOFOLLOW) !== 0;
    // Linux 6.4+ refuses O_CREAT|O_DIRECTORY outright (build_open_flags).
    if (creat && (flags & O_DIRECTORY) !== 0) fail('EINVAL');
    const r = this.walk(path, !(excl || nofollow), creat);
    if (typeof r === 'string') fail(r);
    const { d, trailingSlash } = r as { d: Dentry; trailingSlash: boolean };
    if (creat && trailingSlash) fail('EISDIR');
    if (!exists(d)) {
      if (!creat) fail('ENOENT');
      if (d.parent === null) fail('EISDIR');
      const parentUpper = this.upperDirOf(d.parent);
      const inode = newFileInode(allocateIno(), this.newMeta(mode & ~this.options.umask, parentUpper));
      parentUpper.children.set(d.name, { kind: 'file', inode });
      this.touchDir(parentUpper);
      return { kind: 'file', readable: access !== O_WRONLY, writable: access !== O_RDONLY, append: (flags & O_APPEND) !== 0, position: 0, upper: inode, lower: undefined, dir: undefined };
    }
    if (excl) fail('EEXIST');
    const kind = kindOf(d);
    if (kind === 'symlink') fail('ELOOP'); // only reachable with O_NOFOLLOW
    if (trailingSlash && kind !== 'dir') fail('ENOTDIR');
    if (kind === 'dir') {
      if (access !== O_RDONLY || trunc || creat) fail('EISDIR');
      return { kind: 'dir', readable: true, writable: false, append: false, position: 0, upper: undefined, lower: undefined, dir: d };
    }
    if ((flags & O_DIRECTORY) !== 0) fail('ENOTDIR');
    const needsUpper = access !== O_RDONLY || trunc;
    const handle: Handle = {
      kind: 'file',
      readable: access !== O_WRONLY,
      writable: access !== O_RDONLY,
      append: (flags & O_APPEND) !== 0,
      position: 0,
      upper: needsUpper ? this.copyUp(d, false) : d.upper?.kind === 'file' ? d.upper.inode : undefined,
      lower: undefined,
      dir: undefined,
    };
    if (handle.upper === undefined) {
      const o = this.objectOf(d);
      if ('data' in o) handle.upper = o;
      else (handle as { lower: LayerInode }).lower = o;
    }
    if (trunc) this.truncateInode(handle.upper!, 0);
    return handle;
  }

  /** The object behind a handle, following a copy-up that happened after it was opened. */
  private handleObject(h: Handle): UpperInode | LayerInode {
    if (h.upper !== undefined) return h.upper;
    const up = this.copiedUp.get(h.lower!) ?? this.indexed.get(h.lower!);
    return up ?? h.lower!;
  }

  read(h: Handle, length: number, position: number | null): Uint8Array {
    if (h.kind === 'dir') fail('EISDIR');
    if (!h.readable) fail('EBADF');
    const o = this.handleObject(h);
    const pos = position ?? h.position;
    const bytes = 'data' in o ? o.data!.read(pos, length) : o.content!.read(pos, length);
    if (position === null) h.position += bytes.length;
    return bytes;
  }

  write(h: Handle, bytes: Uint8Array, position: number | null): number {
    // vfs_write checks FMODE_WRITE first: a directory fd (read-only) is EBADF.
    if (!h.writable) fail('EBADF');
    if (h.kind === 'dir') fail('EISDIR');
    const inode = h.upper!;
    // O_APPEND: every write goes to the end, whatever the position (write(2)).
    const pos = h.append ? inode.data!.size : position ?? h.position;
    inode.data!.write(pos, bytes);
    inode.metacopy = false;
    inode.meta.mtime = inode.meta.ctime = this.now();
    if (position === null || h.append) h.position = pos + bytes.length;
    return bytes.length;
  }

  ftruncate(h: Handle, length: number): void {
    if (h.kind === 'dir' || !h.writable) fail('EINVAL');
    if (length < 0) fail('EINVAL');
    this.truncateInode(h.upper!, length);
  }

  fstat(h: Handle): StatInfo {
    if (h.dir !== undefined) return this.stat(h.dir);
    const o = this.handleObject(h);
    const upper = 'data' in o;
    const meta = o.meta;
    return {
      kind: 'file',
      mode: S_IFREG | meta.mode,
      ino: o.ino,
      nlink: o.nlink,
      uid: meta.uid,
      gid: meta.gid,
      size: upper ? (o as UpperInode).data!.size : (o as LayerInode).content!.size,
      atime: upper ? (meta as MutableMeta).atime : meta.mtime,
      mtime: meta.mtime,
      ctime: upper ? (meta as MutableMeta).ctime : meta.mtime,
    };
  }

  /**
   * copyFile as libuv's uv_fs_copyfile does it: open the source read-only (a directory opens
   * fine), open the destination O_WRONLY|O_CREAT (|O_EXCL), give it the source's mode, then
   * copy; when the copy fails the destination is unlinked. The copy itself shares the
   * source's bytes (copy-on-write) instead of duplicating them.
   */
  copyFile(srcPath: string, destPath: string, exclusive: boolean): void {
    const src = this.lookupOrThrow(srcPath, true);
    const srcMode = this.stat(src).mode & 0o7777;
    const h = this.open(destPath, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : 0), srcMode);
    // libuv fchmods the destination to the source's mode and truncates it ("in case the
    // destination already existed") before copying a byte.
    h.upper!.meta.mode = srcMode;
    this.truncateInode(h.upper!, 0);
    if (isDir(src)) {
      try {
        this.unlink(destPath);
      } catch {
        // as libuv: the copy's own error is the one reported
      }
      fail('EISDIR');
    }
    const o = this.objectOf(src);
    const content = 'data' in o ? o.data!.freeze() : o.content!;
    const inode = h.upper!;
    inode.data!.replace(content);
    inode.meta.mtime = inode.meta.ctime = this.now();
  }
}

const encoder = new TextEncoder();
function byteLength(s: string): number {
  return encoder.encode(s).length;
}
