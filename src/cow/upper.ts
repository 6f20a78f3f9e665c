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

export class UpperDir {
  readonly kind = 'dir';
  readonly ino: number;
  meta: MutableMeta;
  readonly children = new Map<string, UpperNode>();
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
