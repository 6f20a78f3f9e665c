/**
 * A layer as parallel arrays, one row per path (implicit directories included) in `compareNames`
 * order: what a whole-image pass (`overlay analyze`: the stack walk and dive's metrics) reads.
 * Such a pass over 50,000 paths spent most of its time building and collecting node and inode
 * objects, maps of children and tree nodes; over these columns it touches a few numbers a row.
 * A stored layer's columns are its index's columns as decoded (store/layerIndexBody.ts), so
 * such a layer never builds its nodes unless a mount asks for them.
 */
import { EMPTY_CONTENT, type Content } from './Content.js';
import type { LayerInode, LayerNode, Meta } from './types.js';

/** Row kinds (the low bits of `kinds`). */
export const ROW_DIR = 0;
export const ROW_WHITEOUT = 1;
export const ROW_FILE = 2;
export const ROW_SYMLINK = 3;
export const ROW_KIND = 3;
/** Flags of a directory row. */
export const ROW_OPAQUE = 4;
export const ROW_IMPLICIT = 8;

export interface LayerColumns {
  /** Every path of the layer, sorted by `compareNames`. */
  readonly paths: readonly string[];
  /** Per row: ROW_DIR | ROW_WHITEOUT | ROW_FILE | ROW_SYMLINK, with ROW_OPAQUE and ROW_IMPLICIT for directories. */
  readonly kinds: Uint8Array;
  /** Per row: the attributes of a directory or of the object (`metaModes[metas[i]]`…); 0 for a whiteout. */
  readonly metas: Uint32Array;
  readonly metaModes: Float64Array;
  readonly metaUids: Float64Array;
  readonly metaGids: Float64Array;
  /** Per row: the object (file or symlink) it names, -1 for a directory or a whiteout. Hard links share one. */
  readonly objects: Int32Array;
  /** Per object: a file's data size, 0 for a symlink. */
  readonly objectSizes: Float64Array;
  /** The sum of `objectSizes`: the layer's file data, each object once (`Layer.size`). */
  readonly bytes: number;
  /** A file object's data. */
  content(object: number): Content;
  /** A symlink object's target. */
  target(object: number): string;
}

/** Columns of a layer held as nodes (`node(path)` of each of `paths`, already sorted). */
export function columnsOfNodes(paths: readonly string[], node: (path: string) => LayerNode): LayerColumns {
  const n = paths.length;
  const kinds = new Uint8Array(n);
  const metas = new Uint32Array(n);
  const objects = new Int32Array(n).fill(-1);
  const metaRows = new Map<Meta, number>();
  const metaList: Meta[] = [];
  const metaOf = (meta: Meta): number => {
    let row = metaRows.get(meta);
    if (row === undefined) metaRows.set(meta, (row = metaList.push(meta) - 1));
    return row;
  };
  const objectRows = new Map<LayerInode, number>();
  const inodes: LayerInode[] = [];
  for (let i = 0; i < n; i++) {
    const value = node(paths[i]!);
    switch (value.kind) {
      case 'dir':
        kinds[i] = ROW_DIR | (value.opaque ? ROW_OPAQUE : 0) | (value.implicit ? ROW_IMPLICIT : 0);
        metas[i] = metaOf(value.meta);
        break;
      case 'whiteout':
        kinds[i] = ROW_WHITEOUT;
        break;
      default: {
        kinds[i] = value.kind === 'file' ? ROW_FILE : ROW_SYMLINK;
        metas[i] = metaOf(value.inode.meta);
        let object = objectRows.get(value.inode);
        if (object === undefined) objectRows.set(value.inode, (object = inodes.push(value.inode) - 1));
        objects[i] = object;
      }
    }
  }
  const objectSizes = new Float64Array(inodes.length);
  let bytes = 0;
  inodes.forEach((inode, o) => (bytes += objectSizes[o] = inode.type === 'file' ? inode.content.size : 0));
  return {
    paths,
    kinds,
    metas,
    metaModes: Float64Array.from(metaList, (m) => m.mode),
    metaUids: Float64Array.from(metaList, (m) => m.uid),
    metaGids: Float64Array.from(metaList, (m) => m.gid),
    objects,
    objectSizes,
    bytes,
    content: (o) => {
      const inode = inodes[o];
      return inode?.type === 'file' ? inode.content : EMPTY_CONTENT;
    },
    target: (o) => {
      const inode = inodes[o];
      return inode?.type === 'symlink' ? inode.target : '';
    },
  };
}
