import { UpperDir, metaFromLayer, newFileInode, type MutableMeta, type UpperFileInode, type UpperInode } from '../../cow/index.js';
import { allocateIno } from '../../layer/index.js';
import { O_ACCMODE, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_TRUNC, O_WRONLY } from './abi.js';
import type { CopyUp, ShownObject } from './CopyUp.js';
import { exists, isDir, kindOf, type Dentry } from './Dentry.js';
import { fail } from './fail.js';
import type { DirEntryInfo, Lookup } from './Lookup.js';
import type { LowerDir, LowerObject } from './LowerTree.js';
import type { Namespace } from './Namespace.js';
import { fileData, viewOf, viewOfDir, viewOfObject, type ObjectView } from './objectView.js';
import { newMeta, touchDir, type EngineOptions } from './options.js';

interface OpenBase {
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  position: number;
  /**
   * The name it was opened by, as the lookup found it then: a later copy-up through the fd
   * (fchmod) goes through that name, wherever its directories moved since (`#nameNow`).
   */
  readonly at: Dentry;
}

/** An open file: the upper object when the file is (or was made) upper at open time, else the lower one. */
export interface OpenFile extends OpenBase {
  readonly kind: 'file';
  upper: UpperFileInode | undefined;
  /** The lower object of a file opened read-only and not copied up. */
  readonly lower: LowerObject | undefined;
}

/**
 * An open directory: its upper and lower parts at open time. Like the kernel's overlay inode,
 * it follows a later copy-up of the directory (CopyUp.copiedDirs) and outlives its removal.
 */
export interface OpenDir extends OpenBase {
  readonly kind: 'dir';
  readonly upper: UpperDir | undefined;
  readonly lower: LowerDir | undefined;
}

/** What an attribute change through an fd changes (Attributes.setMode and the like). */
export interface AttrTarget {
  readonly meta: MutableMeta;
  readonly dir: boolean;
}

/** An open file description: which object, how it was opened, where its offset is. */
export type Handle = OpenFile | OpenDir;

/** open, read, write, ftruncate, fstat, attribute changes through an fd, and copyFile. */
export class OpenFiles {
  readonly #paths: Lookup;
  readonly #copies: CopyUp;
  readonly #names: Namespace;
  readonly #options: EngineOptions;

  constructor(paths: Lookup, copies: CopyUp, names: Namespace, options: EngineOptions) {
    this.#paths = paths;
    this.#copies = copies;
    this.#names = names;
    this.#options = options;
  }

  /**
   * open(2): copy-up happens on opening for write or with O_TRUNC, even if nothing is written
   * (test/unit/overlay/kernelObservations.test.ts case 1); O_CREAT|O_EXCL never follows a
   * final symlink, so a dangling one is EEXIST; a plain O_CREAT through a dangling symlink
   * creates its target (case 12).
   */
  open(path: string, flags: number, mode: number): Handle {
    const access = flags & O_ACCMODE;
    const creat = (flags & O_CREAT) !== 0;
    const excl = creat && (flags & O_EXCL) !== 0;
    const trunc = (flags & O_TRUNC) !== 0;
    const nofollow = (flags & O_NOFOLLOW) !== 0;
    const modes = { readable: access !== O_WRONLY, writable: access !== O_RDONLY, append: (flags & O_APPEND) !== 0, position: 0 };
    // Linux 6.4+ refuses O_CREAT|O_DIRECTORY outright (build_open_flags).
    if (creat && (flags & O_DIRECTORY) !== 0) fail('EINVAL');
    const r = this.#paths.walk(path, !(excl || nofollow), creat);
    if (typeof r === 'string') fail(r);
    const { d, trailingSlash } = r;
    if (creat && trailingSlash) fail('EISDIR');
    if (!exists(d)) {
      if (!creat) fail('ENOENT');
      if (d.parent === null) fail('EISDIR');
      const parentUpper = this.#copies.upperDirOf(d.parent);
      const inode = newFileInode(allocateIno(), newMeta(this.#options, mode & ~this.#options.umask, parentUpper));
      parentUpper.children.set(d.name, { kind: 'file', inode });
      touchDir(this.#options, parentUpper);
      return { kind: 'file', ...modes, at: d, upper: inode, lower: undefined };
    }
    if (excl) fail('EEXIST');
    const kind = kindOf(d);
    if (kind === 'symlink') fail('ELOOP'); // only reachable with O_NOFOLLOW
    if (trailingSlash && kind !== 'dir') fail('ENOTDIR');
    if (kind === 'dir') {
      if (access !== O_RDONLY || trunc || creat) fail('EISDIR');
      const upper = d.upper?.kind === 'dir' ? d.upper : undefined;
      const lower = d.lower?.kind === 'dir' ? d.lower : undefined;
      return { kind: 'dir', readable: true, writable: false, append: false, position: 0, at: d, upper, lower };
    }
    if ((flags & O_DIRECTORY) !== 0) fail('ENOTDIR');
    let upper: UpperFileInode | undefined;
    let lower: LowerObject | undefined;
    if (access !== O_RDONLY || trunc) upper = asFile(this.#copies.copyUp(d, false));
    else if (d.upper?.kind === 'file') upper = d.upper.inode;
    else {
      const o = this.#copies.objectOf(d);
      if (o.mutable) upper = asFile(o);
      else if (d.lower !== undefined && d.lower.kind !== 'dir') lower = d.lower;
    }
    if (trunc && upper !== undefined) this.#truncateInode(upper, 0);
    return { kind: 'file', ...modes, at: d, upper, lower };
  }

  read(h: Handle, length: number, position: number | null): Uint8Array {
    if (h.kind === 'dir') fail('EISDIR');
    if (!h.readable) fail('EBADF');
    const pos = position ?? h.position;
    const bytes = fileData(this.#current(h)).read(pos, length);
    if (position === null) h.position += bytes.length;
    return bytes;
  }

  write(h: Handle, bytes: Uint8Array, position: number | null): number {
    // vfs_write checks FMODE_WRITE first: a directory fd (read-only) is EBADF.
    if (!h.writable) fail('EBADF');
    if (h.kind === 'dir') fail('EISDIR');
    const inode = writtenInode(h);
    // Nothing to write: no new size, no new times, no move (filemap.c generic_write_checks
    // returns before anything when the count is 0; overlayfs file.c ovl_write_iter likewise).
    if (bytes.length === 0) return 0;
    // O_APPEND: every write goes to the end, whatever the position (write(2)); pwrite(2) on
    // Linux appends too, and leaves the fd's offset alone as every pwrite does.
    const pos = h.append ? inode.data.size : position ?? h.position;
    inode.data.write(pos, bytes);
    inode.metacopy = false;
    inode.meta.mtime = inode.meta.ctime = this.#options.clock();
    this.#changed(inode);
    if (position === null) h.position = pos + bytes.length;
    return bytes.length;
  }

  ftruncate(h: Handle, length: number): void {
    if (h.kind === 'dir' || !h.writable) fail('EINVAL');
    if (length < 0) fail('EINVAL');
    const inode = writtenInode(h);
    this.#truncateInode(inode, length);
    this.#changed(inode);
  }

  /**
   * fstat(2): what the fd's object is now. A directory fd shows its copy-up; one whose upper
   * directory was removed reports nlink 0 (its upper inode's count), unless it is a merged
   * directory, which always reports 1 (inode.c ovl_getattr; test/unit/overlay/openFiles.test.ts).
   */
  fstat(h: Handle): ObjectView {
    if (h.kind === 'dir') {
      const upper = this.#upperDirOf(h);
      const view = viewOfDir(upper, h.lower);
      if (upper !== undefined && h.lower === undefined && this.#removed(upper)) view.nlink = 0;
      return view;
    }
    return viewOfObject(this.#current(h), h.lower?.layer ?? -1);
  }

  /**
   * The attributes fchmod, fchown and futimes change: the fd's object, copied up first when it
   * is still a lower one. The copy-up goes through the name the fd was opened by (copy_up.c
   * ovl_copy_up of the fd's dentry); when that name no longer shows the object (it was
   * removed, a whiteout or another file is there now) the copy-up finds the upper name taken:
   * EEXIST, as the kernel answers (test/unit/overlay/openFiles.test.ts); a directory's, ENOTDIR.
   */
  attrTarget(h: Handle): AttrTarget {
    if (h.kind === 'dir') {
      const upper = this.#upperDirOf(h);
      if (upper !== undefined) {
        upper.changes?.objectChanged(upper);
        return { meta: upper.meta, dir: true };
      }
      const d = this.#nameNow(h.at);
      if (d !== undefined && d.upper === undefined && d.lower === h.lower) return { meta: this.#copies.upperDirOf(d).meta, dir: true };
      // The name no longer shows this directory. A whiteout or a non-directory there: ENOTDIR.
      // Another directory there: the kernel's copy-up of the fd's stale dentry succeeds, and the
      // fd shows the copy; what it does to the directory at the name is not modelled (README,
      // "Open files, zero-length writes, byte limits").
      if (h.lower === undefined || d === undefined || kindOf(d) !== 'dir') fail('ENOTDIR');
      const copy = new UpperDir(h.lower.ino, metaFromLayer(h.lower.meta), false);
      this.#copies.copiedDirs.set(h.lower, copy);
      return { meta: copy.meta, dir: true };
    }
    const o = this.#current(h);
    if (o.mutable) {
      this.#changed(o);
      return { meta: o.meta, dir: false };
    }
    const d = this.#nameNow(h.at);
    if (d === undefined || d.upper !== undefined || d.lower !== h.lower) fail('EEXIST');
    return { meta: this.#copies.copyUp(d, true).meta, dir: false };
  }

  /**
   * A fresh dentry for the name an fd was opened by, looked up where it is now: a directory
   * on its way that was copied up since is wherever its upper directory is (redirect_dir moves
   * it); one that was not is where it was. Undefined when a directory on the way was removed.
   */
  #nameNow(at: Dentry): Dentry | undefined {
    const path = this.#dirPathNow(at.parent);
    return path === undefined ? undefined : this.#paths.lookupLiteral(path === '/' ? `/${at.name}` : `${path}/${at.name}`);
  }

  #dirPathNow(d: Dentry | null): string | undefined {
    if (d === null || d.parent === null) return '/';
    const upper = d.upper?.kind === 'dir' ? d.upper : d.lower?.kind === 'dir' ? this.#copies.copiedDirs.get(d.lower) : undefined;
    if (upper === undefined) {
      const parent = this.#dirPathNow(d.parent);
      return parent === undefined ? undefined : parent === '/' ? `/${d.name}` : `${parent}/${d.name}`;
    }
    const names: string[] = [];
    for (let u = upper; u !== this.#paths.upperRoot; u = u.parent) {
      if (u.parent === undefined) return undefined;
      names.push(u.name);
    }
    return '/' + names.reverse().join('/');
  }

  /**
   * The entries of a directory fd, listed now. A removed directory lists nothing (getdents on
   * a dead directory); a merged one merges its parts as a lookup would.
   */
  readdirOf(h: OpenDir): DirEntryInfo[] {
    const upper = this.#upperDirOf(h);
    if (upper !== undefined && this.#removed(upper)) return [];
    return this.#paths.readdir({ upper, lower: h.lower, whiteout: false });
  }

  /** The upper directory of a directory fd: the one it was opened on, or its copy-up since. */
  #upperDirOf(h: OpenDir): UpperDir | undefined {
    return h.upper ?? (h.lower !== undefined ? this.#copies.copiedDirs.get(h.lower) : undefined);
  }

  /** An upper directory no longer in the tree (removed, or replaced by a rename). */
  #removed(dir: UpperDir): boolean {
    return dir.parent === undefined && dir !== this.#paths.upperRoot;
  }

  /**
   * An object changed through an fd, not through a name: a store saving only what changed
   * (cow/upper.ts ChangedPaths) saves every name it has.
   */
  #changed(inode: UpperInode): void {
    this.#paths.upperRoot.changes?.relinked.add(inode);
  }

  /**
   * copyFile as libuv's uv_fs_copyfile does it: open the source read-only (a directory opens
   * fine), open the destination O_WRONLY|O_CREAT (|O_EXCL), give it the source's mode, then
   * copy; when the copy fails the destination is unlinked. The copy itself shares the
   * source's bytes (copy-on-write) instead of duplicating them.
   */
  copyFile(srcPath: string, destPath: string, exclusive: boolean): void {
    const src = this.#paths.lookupOrThrow(srcPath, true);
    const srcMode = viewOf(src, this.#copies).mode & 0o7777;
    const h = this.open(destPath, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : 0), srcMode);
    if (h.kind === 'dir') fail('EISDIR'); // open for write refuses a directory first
    const inode = writtenInode(h);
    // libuv fchmods the destination to the source's mode and truncates it ("in case the
    // destination already existed") before copying a byte.
    inode.meta.mode = srcMode;
    this.#truncateInode(inode, 0);
    if (isDir(src)) {
      try {
        this.#names.unlink(destPath);
      } catch {
        // as libuv: the copy's own error is the one reported
      }
      fail('EISDIR');
    }
    const o = this.#copies.objectOf(src);
    if (o.type !== 'file') throw new Error('copyFile: the source resolved to a symlink');
    inode.data.replace(o.mutable ? o.data.freeze() : o.content);
    inode.meta.mtime = inode.meta.ctime = this.#options.clock();
  }

  /** The object behind a file handle, following a copy-up that happened after it was opened. */
  #current(h: OpenFile): ShownObject {
    if (h.upper !== undefined) return h.upper;
    if (h.lower === undefined) throw new Error('open file without an object');
    return this.#copies.currentOf(h.lower);
  }

  #truncateInode(inode: UpperFileInode, length: number): void {
    inode.data.truncate(length);
    inode.metacopy = false;
    inode.meta.mtime = inode.meta.ctime = this.#options.clock();
  }
}

/** The upper file a writable handle writes (open made it: copy-up or creation). */
function writtenInode(h: OpenFile): UpperFileInode {
  if (h.upper === undefined) throw new Error('writable file without an upper object');
  return h.upper;
}

function asFile(inode: UpperInode): UpperFileInode {
  if (inode.type !== 'file') throw new Error('not a file');
  return inode;
}
