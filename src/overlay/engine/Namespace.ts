import { UpperDir, WHITEOUT, newSymlinkInode, upperObject, type UpperObject } from '../../cow/index.js';
import { allocateIno } from '../../layer/index.js';
import { joinPath } from '../../path/index.js';
import { REDIRECT_MAX, checkPathLength, utf8Length } from './abi.js';
import type { CopyUp } from './CopyUp.js';
import { exists, isDir, type Dentry } from './Dentry.js';
import { fail } from './fail.js';
import type { Lookup, ParentLookup } from './Lookup.js';
import { newMeta, touchDir, type EngineOptions } from './options.js';

/**
 * The calls that make, remove and move names: mkdir, symlink, link, unlink, rmdir, rename,
 * with whiteouts, opaque directories and redirects where a lower name is involved.
 */
export class Namespace {
  readonly #paths: Lookup;
  readonly #copies: CopyUp;
  readonly #options: EngineOptions;
  /**
   * What the kernel wrote as the redirect of each directory (and, with metacopy, each file
   * whose data is still below) that was moved: a relative one (a rename in the same directory)
   * or an absolute one. Only its length matters here (`#redirect`); where a directory merges
   * from is `UpperDir.redirect`.
   */
  readonly #redirects = new WeakMap<object, { readonly lowerPath: string; absolute: boolean }>();

  constructor(paths: Lookup, copies: CopyUp, options: EngineOptions) {
    this.#paths = paths;
    this.#copies = copies;
    this.#options = options;
  }

  mkdir(path: string, mode: number): void {
    const p = this.#paths.lookupParent(path);
    creatable(p, true);
    const parentUpper = this.#copies.upperDirOf(p.parent);
    // Over a whiteout (something below has this name) the new directory must hide it: opaque
    // (overlayfs.rst "whiteouts and opaque directories"; kernelObservations.test.ts case 4).
    const opaque = p.child.whiteout || lowerHas(p.parent, p.child.name);
    const meta = newMeta(this.#options, mode & ~this.#options.umask & 0o1777, parentUpper, true);
    parentUpper.children.set(p.child.name, new UpperDir(allocateIno(), meta, opaque));
    touchDir(this.#options, parentUpper);
  }

  symlink(target: string, path: string): void {
    // symlinkat(2) copies in the target, then the path, before anything else (namei.c getname).
    checkPathLength(target);
    const p = this.#paths.lookupParent(path);
    creatable(p, false);
    if (target === '') fail('ENOENT');
    const parentUpper = this.#copies.upperDirOf(p.parent);
    const inode = newSymlinkInode(allocateIno(), newMeta(this.#options, 0o777, parentUpper), target);
    parentUpper.children.set(p.child.name, upperObject(inode));
    touchDir(this.#options, parentUpper);
  }

  link(existingPath: string, newPath: string): void {
    // A too-long path is found where it is looked up (namei.c do_linkat: the old name fully,
    // then the new one's parent), as lookups do.
    const src = this.#paths.lookupOrThrow(existingPath, false);
    const p = this.#paths.lookupParent(newPath);
    creatable(p, false);
    if (isDir(src)) fail('EPERM');
    // link(2) copies the source up first, then links in the upper layer
    // (test/unit/overlay/kernelObservations.test.ts case 9).
    const inode = this.#copies.copyUp(src, true);
    const parentUpper = this.#copies.upperDirOf(p.parent);
    parentUpper.children.set(p.child.name, upperObject(inode));
    inode.nlink++;
    inode.meta.ctime = this.#options.clock();
    touchDir(this.#options, parentUpper);
  }

  unlink(path: string): void {
    const p = this.#paths.lookupParent(path);
    if (p.special !== undefined) fail('EISDIR');
    if (p.tooLong) fail('ENAMETOOLONG');
    const d = p.child;
    if (!exists(d)) fail('ENOENT');
    if (isDir(d)) fail('EISDIR');
    if (p.trailingSlash) fail('ENOTDIR');
    this.#removeName(p.parent, d);
  }

  rmdir(path: string): void {
    const p = this.#paths.lookupParent(path);
    if (p.special === 'dot') fail('EINVAL');
    if (p.special === 'dotdot') fail('ENOTEMPTY');
    if (p.special === 'root') fail('EBUSY');
    if (p.tooLong) fail('ENAMETOOLONG');
    const d = p.child;
    if (!exists(d)) fail('ENOENT');
    if (!isDir(d)) fail('ENOTDIR');
    if (!this.#paths.isEmptyDir(d)) fail('ENOTEMPTY');
    this.#removeName(p.parent, d);
  }

  /**
   * Removes an existing name: from the upper layer if there, and with a whiteout if anything
   * below has the name (overlayfs.rst "whiteouts and opaque directories";
   * test/unit/overlay/kernelObservations.test.ts case 3).
   */
  #removeName(parent: Dentry, d: Dentry): void {
    const parentUpper = this.#copies.upperDirOf(parent);
    if (d.upper !== undefined) {
      parentUpper.children.delete(d.name);
      if (d.upper.kind !== 'dir') d.upper.inode.nlink--;
    } else if (d.lower !== undefined && d.lower.kind !== 'dir' && this.#options.index && d.lower.inode.nlink > 1) {
      // index=on keeps the link count right: the inode goes to the index, one name fewer.
      this.#copies.indexedCopy(d.lower.inode, false).nlink--;
    }
    if (lowerHas(parent, d.name)) parentUpper.children.set(d.name, WHITEOUT);
    touchDir(this.#options, parentUpper);
  }

  /** The identity of what a dentry shows, for "same file" and ancestor checks. */
  #identity(d: Dentry): object | undefined {
    if (d.upper?.kind === 'dir') return d.upper;
    if (d.upper === undefined && d.lower === undefined) return undefined;
    if (d.lower?.kind === 'dir' && d.upper === undefined) return d.lower;
    // With index=off every name of a lower hard link is its own overlay inode (inode.c
    // ovl_hash_bylower: "lower hardlink is or will be broken on copy up"), so renaming one
    // name over another is a real rename, not the same-file no-op.
    if (d.upper === undefined && !this.#options.index && d.lower !== undefined && d.lower.kind !== 'dir' && d.lower.inode.nlink > 1) return d;
    return this.#copies.objectOf(d);
  }

  rename(oldPath: string, newPath: string): void {
    const a = this.#paths.lookupParent(oldPath);
    const b = this.#paths.lookupParent(newPath);
    if (a.special !== undefined || b.special !== undefined) fail('EBUSY');
    const src = a.child;
    const dst = b.child;
    // do_renameat2 looks up the source name, checks it exists, then looks up the target name.
    if (a.tooLong) fail('ENAMETOOLONG');
    const srcId = this.#identity(src);
    if (srcId === undefined) fail('ENOENT');
    if (b.tooLong) fail('ENAMETOOLONG');
    const dstId = this.#identity(dst);
    const srcIsDir = isDir(src);
    // namei.c do_renameat2, in its order: a trailing slash needs a directory source; the
    // source may not be an ancestor of the target (EINVAL), nor the target of the source.
    if (!srcIsDir && (a.trailingSlash || b.trailingSlash)) fail('ENOTDIR');
    for (let cur: Dentry | null = b.parent; cur !== null; cur = cur.parent) if (this.#identity(cur) === srcId) fail('EINVAL');
    if (dstId !== undefined) for (let cur: Dentry | null = a.parent; cur !== null; cur = cur.parent) if (this.#identity(cur) === dstId) fail('ENOTEMPTY');
    // The same file under both names (or the very same name): nothing to do.
    if (srcId === dstId || (src.name === dst.name && this.#identity(a.parent) === this.#identity(b.parent))) return;
    if (dstId !== undefined) {
      if (srcIsDir && !isDir(dst)) fail('ENOTDIR');
      if (!srcIsDir && isDir(dst)) fail('EISDIR');
    }
    // overlayfs.rst "Renaming directories": a directory with a lower part cannot move without
    // redirect_dir; EXDEV makes tools like mv copy instead (kernelObservations.test.ts case 6).
    if (srcIsDir && src.lower !== undefined && !this.#options.redirectDir) fail('EXDEV');
    if (dstId !== undefined && srcIsDir && !this.#paths.isEmptyDir(dst)) {
      // ovl_rename checks a target with a lower part itself; a pure-upper target is left to
      // the upper filesystem's rename, after the source was already copied up.
      if (dst.lower === undefined) {
        this.#copies.upperDirOf(src);
        this.#copies.upperDirOf(b.parent);
      }
      fail('ENOTEMPTY');
    }
    this.#move(a, b, srcIsDir);
  }

  /** The checked rename itself: the source copied up, moved, a whiteout left where needed. */
  #move(a: ParentLookup, b: ParentLookup, srcIsDir: boolean): void {
    const src = a.child;
    const dst = b.child;
    const samedir = this.#identity(a.parent) === this.#identity(b.parent);
    // The lower path the moved object's data or entries come from, while the dentries still show it.
    const lowerPath = src.lower?.kind === 'dir' ? src.lower.path : a.parent.lower?.kind === 'dir' ? joinPath(a.parent.lower.path, src.name) : undefined;
    let moved: UpperDir | UpperObject;
    if (srcIsDir) {
      const u = this.#copies.upperDirOf(src);
      if (src.lower?.kind === 'dir' && u.redirect === undefined) u.redirect = src.lower.path;
      moved = u;
    } else {
      moved = upperObject(this.#copies.copyUp(src, true));
    }
    const srcParentUpper = this.#copies.upperDirOf(a.parent);
    const dstParentUpper = this.#copies.upperDirOf(b.parent);
    // What has a lower part (a merged or lower directory; with metacopy a file whose data is
    // still below) gets a redirect, after the copy-ups (dir.c ovl_rename, ovl_set_redirect).
    if (moved.kind === 'dir' ? src.lower !== undefined : moved.inode.type === 'file' && moved.inode.metacopy) {
      this.#redirect(moved.kind === 'dir' ? moved : moved.inode, lowerPath, samedir);
    }
    if (dst.upper !== undefined && dst.upper.kind !== 'dir') dst.upper.inode.nlink--;
    else if (dst.lower !== undefined && dst.lower.kind !== 'dir' && dst.upper === undefined && this.#options.index && dst.lower.inode.nlink > 1) {
      this.#copies.indexedCopy(dst.lower.inode, false).nlink--;
    }
    srcParentUpper.children.delete(src.name);
    if (lowerHas(a.parent, src.name)) srcParentUpper.children.set(src.name, WHITEOUT);
    dstParentUpper.children.set(dst.name, moved);
    if (moved.kind === 'dir') {
      const home = b.parent.lower?.kind === 'dir' ? joinPath(b.parent.lower.path, dst.name) : undefined;
      // Back at the lower path it redirects to: a plain merged directory again.
      if (moved.redirect !== undefined && moved.redirect === home) moved.redirect = undefined;
      // A directory without a redirect must not merge with what lies below its new name.
      else if (moved.redirect === undefined && lowerHas(b.parent, dst.name)) moved.opaque = true;
    }
    touchDir(this.#options, srcParentUpper);
    touchDir(this.#options, dstParentUpper);
    const now = this.#options.clock();
    if (moved.kind === 'dir') moved.meta.ctime = now;
    else moved.inode.meta.ctime = now;
  }

  /**
   * The redirect a move writes (dir.c ovl_set_redirect): within the same directory the old
   * name, relative, with no limit; to another directory an absolute path, the lower path,
   * which may not be longer than redirect_max: EXDEV, so that tools copy instead (dir.c
   * ovl_get_redirect; test/unit/overlay/limits.test.ts). A redirect already written stays
   * when it serves (a relative one for the same directory, an absolute one always).
   */
  #redirect(object: object, lowerPath: string | undefined, samedir: boolean): void {
    const known = this.#redirects.get(object);
    if (known !== undefined && (samedir || known.absolute)) return;
    const r = known ?? { lowerPath: lowerPath ?? '', absolute: false };
    if (!samedir) {
      if (utf8Length(r.lowerPath) > REDIRECT_MAX) fail('EXDEV');
      r.absolute = true;
    }
    this.#redirects.set(object, r);
  }
}

/** Something below the upper layer has this name (so removing it needs a whiteout). */
function lowerHas(parent: Dentry, name: string): boolean {
  return parent.lower?.kind === 'dir' && parent.lower.children.has(name);
}

/** Checks shared by calls that create a name (namei.c filename_create). */
function creatable(p: ParentLookup, wantDir: boolean): void {
  if (p.special !== undefined) fail('EEXIST');
  if (p.tooLong) fail('ENAMETOOLONG');
  if (exists(p.child)) fail('EEXIST');
  // "you had / on the end, you've been asking for a (non-existent) directory"
  if (p.trailingSlash && !wantDir) fail('ENOENT');
}
