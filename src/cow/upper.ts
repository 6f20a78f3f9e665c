import type { LayerFileInode, LayerInode, LayerSymlinkInode, Meta } from '../layer/index.js';
import { FileData } from './FileData.js';

/**
 * The writable upper layer as a tree, in the kernel's own model (overlayfs.rst): directories
 * that may be opaque or carry a redirect, whiteouts as their own node kind, and file objects
 * that several names can share (hard links). Mutation happens only here.
 */

export interface MutableMeta {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  atime: number;
  ctime: number;
  xattrs: Record<string, string>;
}

export function metaFromLayer(meta: Meta): MutableMeta {
  return { mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: meta.mtime, atime: meta.mtime, ctime: meta.mtime, xattrs: { ...meta.xattrs } };
}

/**
 * A file or symlink object of the upper layer; several names can share it (hard links). Made
 * only by the constructors below.
 */
export type UpperInode = UpperFileInode | UpperSymlinkInode;

interface UpperInodeBase {
  readonly ino: number;
  meta: MutableMeta;
  /** Link count as stat reports it. */
  nlink: number;
  /** Tells a writable upper object from a layer's frozen one (LayerInode, `mutable: false`). */
  readonly mutable: true;
}

export interface UpperFileInode extends UpperInodeBase {
  readonly type: 'file';
  /** Copy-on-write over the lower content. */
  readonly data: FileData;
  /** The lower file this one was copied up from, if any. */
  readonly origin: LayerFileInode | undefined;
  /** Copied up with `metacopy=on` for a metadata change only: data still served from below. */
  metacopy: boolean;
}

export interface UpperSymlinkInode extends UpperInodeBase {
  readonly type: 'symlink';
  readonly target: string;
  /** The lower symlink this one was copied up from, if any. */
  readonly origin: LayerSymlinkInode | undefined;
}

/**
 * What changed in an upper tree since tracking began (`trackChanges`, after a restore), so a
 * store can save only that (src/store/upperLog.ts). Recorded by the tree's own mutators: every
 * name set or removed in a directory (`UpperChildren`), and every object the engine made
 * writable in place (`CopyUp.copyUp`, `CopyUp.upperDirOf` call `objectChanged`). A path
 * recorded needlessly only costs a few bytes; a change missed would be lost, hence the wide net.
 */
export class ChangedPaths {
  readonly root: UpperDir;
  /** Paths whose name was set or removed: what the upper holds at and below them now replaces what was saved. */
  readonly entries = new Set<string>();
  /** Paths whose object may have changed in place (attributes, data, link count, opacity). */
  readonly objects = new Set<string>();
  /**
   * Objects that lost a name and may keep others (hard links), or changed through an open file
   * rather than a name: every name left is saved again.
   */
  readonly relinked = new Set<UpperInode>();

  constructor(root: UpperDir) {
    this.root = root;
  }

  get empty(): boolean {
    return this.entries.size === 0 && this.objects.size === 0 && this.relinked.size === 0;
  }

  clear(): void {
    this.entries.clear();
    this.objects.clear();
    this.relinked.clear();
  }

  /** The object of `dir` (or, with `name`, the object named there) may change in place. */
  objectChanged(dir: UpperDir, name?: string): void {
    const path = this.#pathOf(dir, name);
    if (path !== undefined) this.objects.add(path);
  }

  entryChanged(dir: UpperDir, name: string, old: UpperNode | undefined, now: UpperNode | undefined): void {
    const path = this.#pathOf(dir, name);
    if (path === undefined) return;
    this.entries.add(path);
    if (old !== undefined && old !== now && (old.kind === 'file' || old.kind === 'symlink')) this.relinked.add(old.inode);
  }

  /** `dir`'s path (with `name` appended), or `undefined` when `dir` is no longer in the tree. */
  #pathOf(dir: UpperDir, name: string | undefined): string | undefined {
    const names: string[] = name === undefined ? [] : [name];
    for (let d = dir; d !== this.root; d = d.parent) {
      if (d.parent === undefined) return undefined;
      names.push(d.name);
    }
    return '/' + names.reverse().join('/');
  }
}

/**
 * A directory's entries: a `Map` that also keeps each child directory's link to its parent
 * and records every set and delete in the tree's `ChangedPaths`. Reads are plain `Map` reads.
 */
class UpperChildren extends Map<string, UpperNode> {
  readonly #dir: UpperDir;

  constructor(dir: UpperDir) {
    super();
    this.#dir = dir;
  }

  override set(name: string, node: UpperNode): this {
    const dir = this.#dir;
    const old = super.get(name);
    if (dir.changes !== undefined) dir.changes.entryChanged(dir, name, old, node);
    // A directory replaced (renamed over) leaves the tree as a removed one does.
    if (old !== node && old?.kind === 'dir' && old.parent === dir) old.parent = undefined;
    if (node.kind === 'dir') {
      node.parent = dir;
      node.name = name;
      node.changes ??= dir.changes;
    }
    return super.set(name, node);
  }

  override delete(name: string): boolean {
    const dir = this.#dir;
    const old = super.get(name);
    if (old === undefined) return false;
    if (dir.changes !== undefined) dir.changes.entryChanged(dir, name, old, undefined);
    if (old.kind === 'dir' && old.parent === dir) old.parent = undefined;
    return super.delete(name);
  }

  override clear(): void {
    for (const name of [...this.keys()]) this.delete(name);
  }
}

/** Starts recording changes below `root` (every directory of the tree joins the same record). */
export function trackChanges(root: UpperDir, dirs: Iterable<UpperDir>): ChangedPaths {
  const changes = new ChangedPaths(root);
  root.changes = changes;
  for (const dir of dirs) dir.changes = changes;
  return changes;
}

export class UpperDir {
  readonly kind = 'dir';
  readonly ino: number;
  meta: MutableMeta;
  /** The directory holding this one, and its name there (kept by `children`; none for the root or once removed). */
  parent: UpperDir | undefined = undefined;
  name = '';
  /** Where changes in this tree are recorded, once tracking began. */
  changes: ChangedPaths | undefined = undefined;
  readonly children: Map<string, UpperNode> = new UpperChildren(this);
  /** Hides all lower directories of this name (kernel `trusted.overlay.opaque=y`). */
  opaque: boolean;
  /**
   * With `redirect_dir=on`, a renamed lower directory keeps merging with the lower directory
   * at this absolute path (kernel `trusted.overlay.redirect`).
   */
  redirect: string | undefined;
  /**
   * Restored from a layer that held this directory only as the parent of its entries (an
   * implicit directory): commit writes it implicit again while its attributes are still the
   * lower directory's, so restoring and committing again gives the same layer.
   */
  implied = false;

  constructor(ino: number, meta: MutableMeta, opaque: boolean, redirect?: string) {
    this.ino = ino;
    this.meta = meta;
    this.opaque = opaque;
    this.redirect = redirect;
  }
}

/** A name of a file or symlink object; `kind` is always its inode's `type`. */
export type UpperObject = { readonly kind: 'file'; readonly inode: UpperFileInode } | { readonly kind: 'symlink'; readonly inode: UpperSymlinkInode };

export interface UpperWhiteout {
  readonly kind: 'whiteout';
}

export type UpperNode = UpperDir | UpperObject | UpperWhiteout;

export const WHITEOUT: UpperWhiteout = Object.freeze({ kind: 'whiteout' });

export function newFileInode(ino: number, meta: MutableMeta, data: FileData = FileData.empty()): UpperFileInode {
  return { ino, type: 'file', meta, data, nlink: 1, origin: undefined, metacopy: false, mutable: true };
}

export function newSymlinkInode(ino: number, meta: MutableMeta, target: string): UpperSymlinkInode {
  return { ino, type: 'symlink', meta, target, nlink: 1, origin: undefined, mutable: true };
}

/**
 * Copy-up of a lower object (overlayfs.rst "Non-directories"): same attributes, data shared
 * block-wise rather than copied. `ino` is the lower one unless the caller breaks a hard link.
 * `metacopy` (files only) copies the attributes alone; the data stays the lower file's.
 */
export function copyUpInode(lower: LayerInode, ino: number, metacopy: boolean): UpperInode {
  const meta = metaFromLayer(lower.meta);
  if (lower.type === 'symlink') return { ino, type: 'symlink', meta, target: lower.target, nlink: 1, origin: lower, mutable: true };
  return { ino, type: 'file', meta, data: FileData.over(lower.content), nlink: 1, origin: lower, metacopy, mutable: true };
}

/**
 * An object of a committed upper layer made the upper object again (restoring a container):
 * its attributes, data and link count, and the lower object it was copied up from, if any.
 * Data that differs from `origin` is marked changed, so diff reports it.
 */
export function restoredInode(saved: LayerInode, ino: number, origin: LayerInode | undefined, changed: boolean): UpperInode {
  const meta = metaFromLayer(saved.meta);
  if (saved.type === 'symlink') {
    return { ino, type: 'symlink', meta, target: saved.target, nlink: saved.nlink, origin: origin?.type === 'symlink' ? origin : undefined, mutable: true };
  }
  const data = FileData.over(saved.content);
  if (changed) data.markChanged();
  return { ino, type: 'file', meta, data, nlink: saved.nlink, origin: origin?.type === 'file' ? origin : undefined, metacopy: false, mutable: true };
}

/** The node a name of `inode` has in the upper tree: its kind is the inode's type. */
export function upperObject(inode: UpperInode): UpperObject {
  return inode.type === 'file' ? { kind: 'file', inode } : { kind: 'symlink', inode };
}
