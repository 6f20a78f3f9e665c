import type { FileData, UpperDir } from '../../cow/index.js';
import type { Content } from '../../layer/index.js';
import { S_IFDIR, S_IFLNK, S_IFREG, utf8Length } from './abi.js';
import type { CopyUp, ShownObject } from './CopyUp.js';
import { isDir, type EntryView, type ObjectKind } from './Dentry.js';
import type { LowerDir } from './LowerTree.js';

/** A layer of the stack: `'upper'` or a lower layer's index (0 = bottom). */
export type LayerRef = 'upper' | number;

/**
 * One object as stat, fstat and explain see it: what stat reports (before the fs facade
 * dresses it as a Node `Stats`) and the layer whose attributes those are.
 */
export interface ObjectView {
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
  /** The layer these attributes come from. */
  source: LayerRef;
}

/** The view of whatever an existing entry shows. */
export function viewOf(d: EntryView, copies: CopyUp): ObjectView {
  if (isDir(d)) return viewOfDir(d.upper?.kind === 'dir' ? d.upper : undefined, d.lower?.kind === 'dir' ? d.lower : undefined);
  const lowerLayer = d.lower !== undefined && d.lower.kind !== 'dir' ? d.lower.layer : -1;
  return viewOfObject(copies.objectOf(d), lowerLayer);
}

/** A file or symlink; `lowerLayer` is the layer a lower object comes from. */
export function viewOfObject(o: ShownObject, lowerLayer: number): ObjectView {
  const meta = o.meta;
  const size = o.type === 'symlink' ? utf8Length(o.target) : o.mutable ? o.data.size : o.content.size;
  return {
    kind: o.type,
    mode: (o.type === 'file' ? S_IFREG : S_IFLNK) | meta.mode,
    ino: o.ino,
    nlink: o.nlink,
    uid: meta.uid,
    gid: meta.gid,
    size,
    // A layer keeps one time per object; the kernel shows the lower file's times as they are.
    atime: o.mutable ? o.meta.atime : meta.mtime,
    mtime: meta.mtime,
    ctime: o.mutable ? o.meta.ctime : meta.mtime,
    source: o.mutable ? 'upper' : lowerLayer,
  };
}

/**
 * A directory: the upper one's attributes, else the merged lower one's. overlayfs reports
 * nlink 1 for a merged directory (it cannot count the union cheaply); a directory of one layer
 * reports 2 + its subdirectories (test/unit/overlay/kernelObservations.test.ts case 11).
 */
export function viewOfDir(u: UpperDir | undefined, l: LowerDir | undefined): ObjectView {
  if (u !== undefined) {
    const m = u.meta;
    const nlink = l !== undefined ? 1 : linkCount(u.children);
    return { kind: 'dir', mode: S_IFDIR | m.mode, ino: u.ino, nlink, uid: m.uid, gid: m.gid, size: 4096, atime: m.atime, mtime: m.mtime, ctime: m.ctime, source: 'upper' };
  }
  if (l === undefined) throw new Error('viewOfDir: no directory');
  const m = l.meta;
  const nlink = l.layers > 1 ? 1 : linkCount(l.children);
  return { kind: 'dir', mode: S_IFDIR | m.mode, ino: l.ino, nlink, uid: m.uid, gid: m.gid, size: 4096, atime: m.mtime, mtime: m.mtime, ctime: m.mtime, source: l.metaLayer };
}

/** `.`, the entry in the parent, and each subdirectory's `..`. */
function linkCount(children: ReadonlyMap<string, { readonly kind: string }>): number {
  let n = 2;
  for (const c of children.values()) if (c.kind === 'dir') n++;
  return n;
}

/** File data of a non-directory entry (reading never copies up). */
export function dataOf(d: EntryView, copies: CopyUp): FileData | Content {
  return fileData(copies.objectOf(d));
}

/** The bytes of a file object: an upper file's copy-on-write data, or a layer file's content. */
export function fileData(o: ShownObject): FileData | Content {
  if (o.type !== 'file') throw new Error('fileData: not a file');
  return o.mutable ? o.data : o.content;
}
