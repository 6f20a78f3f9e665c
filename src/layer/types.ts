import type { Content } from './Content.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'whiteout' | 'opaque';

/**
 * The JSON form of one layer entry, as `Layer.fromEntries` takes it and `layer.entries()`
 * gives it back. `whiteout` at P deletes P from the layers below; `opaque` is a directory (with
 * its own metadata) whose lower contents are hidden; `target` is a symlink's target or, for a
 * hard link, the path of another entry in the same layer.
 */
export interface LayerEntryInput {
  path: string;
  type: EntryType;
  /** Bytes or text, or data read on demand (`Content`, e.g. a file of the host read lazily). */
  content?: string | Uint8Array | Content;
  target?: string;
  /** Permission bits (0o7777); the file type comes from `type`. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Modification time in milliseconds since the epoch, like Node's `mtimeMs`. */
  mtime?: number;
  xattrs?: Record<string, string>;
}

/** An entry as `layer.entries()` returns it: every attribute filled in, content as bytes. */
export interface LayerEntry {
  path: string;
  type: EntryType;
  content?: Uint8Array;
  target?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  xattrs?: Record<string, string>;
}

/** Attributes every object carries. Frozen in layers, copied (never shared) into the upper. */
export interface Meta {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly xattrs: Readonly<Record<string, string>>;
}

/**
 * One file or symlink object of a layer. Several names of one layer can share it (hard
 * links); `nlink` counts them, as the kernel reports for a lower inode. Made only by the
 * constructors in inode.ts.
 */
export type LayerInode = LayerFileInode | LayerSymlinkInode;

interface LayerInodeBase {
  /** Process-unique id; the overlay reports it as `st_ino`. */
  readonly ino: number;
  readonly meta: Meta;
  readonly nlink: number;
  /** Tells a layer's frozen object from a writable upper one (cow's UpperInode, `mutable: true`). */
  readonly mutable: false;
}

export interface LayerFileInode extends LayerInodeBase {
  readonly type: 'file';
  readonly content: Content;
}

export interface LayerSymlinkInode extends LayerInodeBase {
  readonly type: 'symlink';
  readonly target: string;
}

export interface LayerDirNode {
  readonly kind: 'dir';
  readonly meta: Meta;
  /** Hides every lower entry below this directory (OCI `.wh..wh..opq`, kernel `opaque=y`). */
  readonly opaque: boolean;
  /**
   * No entry of its own: the directory exists in this layer only because entries below it do
   * (as in a tar without parent entries). Its attributes come from the layers below when they
   * have the directory.
   */
  readonly implicit: boolean;
}

/** A name of a file or symlink object; `kind` is always its inode's `type`. */
export type LayerObjectNode = { readonly kind: 'file'; readonly inode: LayerFileInode } | { readonly kind: 'symlink'; readonly inode: LayerSymlinkInode };

export interface LayerWhiteoutNode {
  readonly kind: 'whiteout';
}

export type LayerNode = LayerDirNode | LayerObjectNode | LayerWhiteoutNode;

/** Who made a layer and why: carried into image history, never part of the diffId. */
export interface LayerHistory {
  createdBy?: string;
  comment?: string;
  author?: string;
  /** ISO 8601 time of creation. */
  created?: string;
}
