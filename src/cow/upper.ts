import type { LayerInode, Meta } from '../layer/index.js';
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

export interface UpperInode {
  readonly ino: number;
  readonly type: 'file' | 'symlink';
  meta: MutableMeta;
  /** File data (files only): copy-on-write over the lower content. */
  readonly data: FileData | undefined;
  /** Symlink target (symlinks only). */
  readonly target: string | undefined;
  /** Link count as stat reports it. */
  nlink: number;
  /** The lower object this one was copied up from, if any. */
  readonly origin: LayerInode | undefined;
  /** Copied up with `metacopy=on` for a metadata change only: data still served from below. */
  metacopy: boolean;
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

export interface UpperObject {
  readonly kind: 'file' | 'symlink';
  readonly inode: UpperInode;
}

export interface UpperWhiteout {
  readonly kind: 'whiteout';
}

export type UpperNode = UpperDir | UpperObject | UpperWhiteout;

export const WHITEOUT: UpperWhiteout = Object.freeze({ kind: 'whiteout' });

export function newFileInode(ino: number, meta: MutableMeta, data: FileData = FileData.empty()): UpperInode {
  return { ino, type: 'file', meta, data, target: undefined, nlink: 1, origin: undefined, metacopy: false };
}

export function newSymlinkInode(ino: number, meta: MutableMeta, target: string): UpperInode {
  return { ino, type: 'symlink', meta, data: undefined, target, nlink: 1, origin: undefined, metacopy: false };
}

/**
 * Copy-up of a lower object (overlayfs.rst "Non-directories"): same attributes, data shared
 * block-wise rather than copied. `ino` is the lower one unless the caller breaks a hard link.
 */
export function copyUpInode(lower: LayerInode, ino: number, metacopy: boolean): UpperInode {
  return {
    ino,
    type: lower.type,
    meta: metaFromLayer(lower.meta),
    data: lower.type === 'file' ? FileData.over(lower.content!) : undefined,
    target: lower.target,
    nlink: 1,
    origin: lower,
    metacopy,
  };
}
