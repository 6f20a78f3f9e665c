import { UpperDir, copyUpInode, metaFromLayer, upperObject, type UpperInode } from '../../cow/index.js';
import { allocateIno, type LayerInode } from '../../layer/index.js';
import type { Dentry, EntryView } from './Dentry.js';
import type { LowerDir, LowerObject } from './LowerTree.js';
import type { EngineOptions } from './options.js';

/** A file or symlink object the view shows: an upper one or a layer's (`mutable` tells which). */
export type ShownObject = UpperInode | LayerInode;

/**
 * Copy-up (overlayfs.rst "Non-directories", "index") and the maps that remember it: which
 * upper object stands for a lower inode, so every name of a lower hard link (index=on) and
 * every open read-only fd sees the copy once it exists.
 */
export class CopyUp {
  readonly #options: EngineOptions;
  /** `index=on`: upper objects of lower hard-linked inodes, shared by all their names. */
  readonly indexed = new Map<LayerInode, UpperInode>();
  /**
   * The copy of each lower name (its lower-tree node) once copied up, so an fd opened before
   * follows its name's copy-up, as the kernel's does since Linux 4.19 (overlayfs.rst
   * "Non-standard behavior" lists only mmap as not following). Keyed by name, not inode: with
   * index=off each name of a lower hard link is its own overlay inode (inode.c
   * ovl_hash_bylower), and only the name copied up moves (test/unit/overlay/openFiles.test.ts).
   */
  readonly copiedUp = new Map<LowerObject, UpperInode>();
  /** The upper directory made for each lower directory, so a directory fd follows it too. */
  readonly copiedDirs = new Map<LowerDir, UpperDir>();

  constructor(options: EngineOptions) {
    this.#options = options;
  }

  /**
   * The object a non-directory entry shows: its upper object, the index's copy of its lower
   * inode, or the lower object itself.
   */
  objectOf(d: EntryView): ShownObject {
    if (d.upper !== undefined && d.upper.kind !== 'dir') return d.upper.inode;
    const l = d.lower;
    if (l === undefined || l.kind === 'dir') throw new Error('objectOf: not a file or symlink');
    return this.indexed.get(l.inode) ?? l.inode;
  }

  /** What an fd opened on a lower name reads now: the name's copy once it was copied up. */
  currentOf(lower: LowerObject): ShownObject {
    return this.copiedUp.get(lower) ?? this.indexed.get(lower.inode) ?? lower.inode;
  }

  /**
   * The upper directory for `d`, copying it and any missing ancestors up first with their
   * lower attributes (overlayfs.rst "Non-directories": parents first; their times are kept,
   * test/unit/overlay/kernelObservations.test.ts case 2).
   */
  upperDirOf(d: Dentry): UpperDir {
    if (d.upper?.kind === 'dir') {
      // Made writable in place: its attributes or entries may change (cow/upper.ts ChangedPaths).
      d.upper.changes?.objectChanged(d.upper);
      return d.upper;
    }
    const chain: Dentry[] = [];
    let cur: Dentry = d;
    while (cur.upper?.kind !== 'dir') {
      chain.push(cur);
      // The root always has an upper directory, so a parent exists until one is found.
      if (cur.parent === null) throw new Error('upperDirOf: no upper root');
      cur = cur.parent;
    }
    let parentUpper: UpperDir = cur.upper;
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i]!;
      // Another dentry of the same call may have copied this directory up already.
      const existing = parentUpper.children.get(c.name);
      let u: UpperDir;
      if (existing?.kind === 'dir') u = existing;
      else {
        const l = c.lower;
        if (l?.kind !== 'dir') throw new Error('upperDirOf: not a directory');
        u = new UpperDir(l.ino, metaFromLayer(l.meta), false);
        parentUpper.children.set(c.name, u);
        if (!this.copiedDirs.has(l)) this.copiedDirs.set(l, u);
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
      const parent = d.parent?.upper;
      if (parent?.kind === 'dir') parent.changes?.objectChanged(parent, d.name);
      return this.#dataCopied(d.upper.inode, metaOnly);
    }
    const l = d.lower;
    if (l === undefined || l.kind === 'dir' || d.parent === null) throw new Error('copyUp: not a lower file or symlink');
    const parentUpper = this.upperDirOf(d.parent);
    const already = parentUpper.children.get(d.name);
    if (already !== undefined && already.kind !== 'dir' && already.kind !== 'whiteout') {
      // Copied up through another dentry of the same call.
      d.upper = already;
      d.lower = undefined;
      return this.#dataCopied(already.inode, metaOnly);
    }
    const metacopy = metaOnly && this.#options.metacopy && l.inode.type === 'file';
    let inode: UpperInode;
    if (l.inode.nlink > 1 && this.#options.index) {
      inode = this.indexedCopy(l.inode, metacopy);
    } else if (l.inode.nlink > 1) {
      inode = copyUpInode(l.inode, allocateIno(), metacopy);
    } else {
      inode = copyUpInode(l.inode, l.inode.ino, metacopy);
    }
    this.copiedUp.set(l, inode);
    this.#dataCopied(inode, metaOnly);
    const node = upperObject(inode);
    parentUpper.children.set(d.name, node);
    d.upper = node;
    d.lower = undefined;
    return inode;
  }

  /** The index's upper object for a lower hard-linked inode, made on first use. */
  indexedCopy(lower: LayerInode, metacopy: boolean): UpperInode {
    let inode = this.indexed.get(lower);
    if (inode === undefined) {
      inode = copyUpInode(lower, lower.ino, metacopy);
      inode.nlink = lower.nlink;
      this.indexed.set(lower, inode);
    }
    return inode;
  }

  /**
   * A copy-up for a data change ends a metadata-only copy: the data is the upper's from now on.
   * Copying the data in writes the upper file, which gives it a new mtime and ctime (when there
   * are bytes to copy); nothing sets the times back (copy_up.c ovl_copy_up_meta_inode_data
   * does not call ovl_set_timestamps), so a time set before is lost
   * (test/unit/overlay/openFiles.test.ts, 'metacopy: the data copy-up ...').
   */
  #dataCopied(inode: UpperInode, metaOnly: boolean): UpperInode {
    if (metaOnly || inode.type !== 'file' || !inode.metacopy) return inode;
    inode.metacopy = false;
    if (inode.data.size > 0) inode.meta.mtime = inode.meta.ctime = this.#options.clock();
    return inode;
  }
}
