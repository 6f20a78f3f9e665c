/**
 * The index of a stored layer: everything a mount needs of it except file data (paths, node
 * kinds, modes, owners, times, xattrs, opaque and implicit directories, whiteouts, symlink
 * targets, hard-link groups), plus where each file's bytes are in the layer's data pack (its
 * files' bytes one after the other). It is written once, when the layer enters the store; a
 * mount decodes it and reads file data only on demand (`RangeContent`).
 *
 * The bytes are three parts:
 *
 *   <sha256 hex of the header>\n<header JSON>\n<body JSON>
 *
 * The header names the format and its version, the layer (blob digest and DiffID), the pack's
 * size and the body's digest, so a truncated, corrupt, foreign or outdated index is detected
 * and rebuilt from the blob, never trusted. Verbs that need only the layer's data size read the
 * header and hash nothing else.
 */
import { sha256Digest } from '../digest/index.js';
import {
  DEFAULT_DIR_META,
  EMPTY_CONTENT,
  Layer,
  RangeContent,
  allocateIno,
  fileInode,
  makeMeta,
  objectNode,
  symlinkInode,
  type LayerInode,
  type LayerNode,
  type Meta,
  type PositionedReader,
} from '../layer/index.js';

export const LAYER_INDEX_FORMAT = 'overlay-layer-index';
/** Bump when the body changes shape: an index of another version is rebuilt. */
export const LAYER_INDEX_VERSION = 1;

/** What the header says about the layer. */
export interface LayerIndexHeader {
  format: typeof LAYER_INDEX_FORMAT;
  version: number;
  /** Digest of the stored (compressed) blob the index was made from. */
  blob: string;
  diffId: string;
  /** Bytes of file data, each hard-linked object once (`Layer.size`). */
  dataBytes: number;
  /** Size of the data pack. */
  packBytes: number;
  /** Number of nodes (paths, implicit directories included). */
  nodes: number;
  /** `sha256:` of the body. */
  body: string;
}

/** Which layer an index must describe. */
export interface LayerKey {
  blob: string;
  diffId: string;
}

export interface EncodedLayerIndex {
  header: LayerIndexHeader;
  bytes: Uint8Array;
  /** The data pack, as chunks (views of the layer's contents, not copies). */
  pack(): Iterable<Uint8Array>;
}

type XattrField = Record<string, string> | 0;
/** [0, mode, uid, gid, mtime, nlink, offset, size, xattrs] | [1, mode, uid, gid, mtime, nlink, target, xattrs] */
type ObjectRow = [0, number, number, number, number, number, number, number, XattrField] | [1, number, number, number, number, number, string, XattrField];
/** [path, 'd', mode, uid, gid, mtime, flags (1 opaque, 2 implicit), xattrs] | [path, 'w'] | [path, 'o', object] */
type NodeRow = [string, 'd', number, number, number, number, number, XattrField] | [string, 'w'] | [string, 'o', number];
interface Body {
  objects: ObjectRow[];
  nodes: NodeRow[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;

function xattrField(meta: Meta): XattrField {
  return Object.keys(meta.xattrs).length === 0 ? 0 : { ...meta.xattrs };
}

/** The index of `layer` and its data pack. */
export function encodeLayerIndex(layer: Layer, key: LayerKey): EncodedLayerIndex {
  // Objects in the order their inode numbers were drawn, so a decoded layer draws its own in
  // the same order; a hard-linked object (one inode, several names) is one row.
  const objectOf = new Map<number, { inode: LayerInode; row: number }>();
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if ((node.kind === 'file' || node.kind === 'symlink') && !objectOf.has(node.inode.ino)) objectOf.set(node.inode.ino, { inode: node.inode, row: -1 });
  }
  const inodes = [...objectOf.values()].sort((a, b) => a.inode.ino - b.inode.ino);
  const objects: ObjectRow[] = [];
  const packed: LayerInode[] = [];
  let offset = 0;
  let dataBytes = 0;
  for (const entry of inodes) {
    const { inode } = entry;
    const { mode, uid, gid, mtime } = inode.meta;
    entry.row = objects.length;
    if (inode.type === 'file') {
      const size = inode.content.size;
      objects.push([0, mode, uid, gid, mtime, inode.nlink, offset, size, xattrField(inode.meta)]);
      packed.push(inode);
      offset += size;
      dataBytes += size;
    } else {
      objects.push([1, mode, uid, gid, mtime, inode.nlink, inode.target, xattrField(inode.meta)]);
    }
  }
  const nodes: NodeRow[] = [];
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if (node.kind === 'dir') {
      const { mode, uid, gid, mtime } = node.meta;
      nodes.push([path, 'd', mode, uid, gid, mtime, (node.opaque ? 1 : 0) | (node.implicit ? 2 : 0), xattrField(node.meta)]);
    } else if (node.kind === 'whiteout') {
      nodes.push([path, 'w']);
    } else {
      nodes.push([path, 'o', objectOf.get(node.inode.ino)!.row]);
    }
  }
  const body = encoder.encode(JSON.stringify({ objects, nodes } satisfies Body));
  const header: LayerIndexHeader = {
    format: LAYER_INDEX_FORMAT,
    version: LAYER_INDEX_VERSION,
    blob: key.blob,
    diffId: key.diffId,
    dataBytes,
    packBytes: offset,
    nodes: nodes.length,
    body: sha256Digest(body),
  };
  const headerBytes = encoder.encode(JSON.stringify(header));
  const prefix = encoder.encode(`${sha256Digest(headerBytes).slice('sha256:'.length)}\n`);
  const bytes = new Uint8Array(prefix.length + headerBytes.length + 1 + body.length);
  bytes.set(prefix, 0);
  bytes.set(headerBytes, prefix.length);
  bytes[prefix.length + headerBytes.length] = NEWLINE;
  bytes.set(body, prefix.length + headerBytes.length + 1);
  return {
    header,
    bytes,
    *pack() {
      for (const inode of packed) if (inode.type === 'file') yield* inode.content.chunks();
    },
  };
}

/** An index whose header checks out: its header, and where its body starts. */
export interface CheckedIndex {
  header: LayerIndexHeader;
  bytes: Uint8Array;
  bodyStart: number;
}

/**
 * The header of an index, when the bytes are an index of this version for this layer and the
 * header matches its digest; `undefined` for anything else (then the index is rebuilt).
 */
export function checkLayerIndex(bytes: Uint8Array, key: LayerKey): CheckedIndex | undefined {
  const first = bytes.indexOf(NEWLINE);
  const second = first < 0 ? -1 : bytes.indexOf(NEWLINE, first + 1);
  if (first !== 64 || second < 0) return undefined;
  const headerBytes = bytes.subarray(first + 1, second);
  if (sha256Digest(headerBytes) !== `sha256:${decoder.decode(bytes.subarray(0, first))}`) return undefined;
  let header: LayerIndexHeader;
  try {
    header = JSON.parse(decoder.decode(headerBytes)) as LayerIndexHeader;
  } catch {
    return undefined;
  }
  if (header.format !== LAYER_INDEX_FORMAT || header.version !== LAYER_INDEX_VERSION) return undefined;
  if (header.blob !== key.blob || header.diffId !== key.diffId) return undefined;
  return { header, bytes, bodyStart: second + 1 };
}

/**
 * The layer an index describes, its files reading their bytes from `pack` on demand;
 * `undefined` when the body does not match the header's digest or does not parse.
 */
export function decodeLayerIndex(index: CheckedIndex, pack: PositionedReader): Layer | undefined {
  const bodyBytes = index.bytes.subarray(index.bodyStart);
  if (sha256Digest(bodyBytes) !== index.header.body) return undefined;
  let body: Body;
  try {
    body = JSON.parse(decoder.decode(bodyBytes)) as Body;
    return Layer.fromNodes(layerNodes(body, pack, index.header.packBytes));
  } catch {
    // A body with the right digest that fails to decode was written by a broken writer:
    // rebuilding it is the safe answer, as for any other bad index.
    return undefined;
  }
}

/**
 * Frozen attributes, one object per distinct value within a layer (most files of a rootfs
 * share owner, mode and time): fewer objects for the mount to hold. Layer metas are immutable.
 */
function metaMaker(): (mode: number, uid: number, gid: number, mtime: number, xattrs: XattrField, defaultMode: number) => Meta {
  const seen = new Map<string, Meta>();
  return (mode, uid, gid, mtime, xattrs, defaultMode) => {
    if (xattrs !== 0) return makeMeta({ mode, uid, gid, mtime, xattrs }, defaultMode);
    const key = `${mode}:${uid}:${gid}:${mtime}`;
    let meta = seen.get(key);
    if (meta === undefined) seen.set(key, (meta = makeMeta({ mode, uid, gid, mtime }, defaultMode)));
    return meta;
  };
}

function layerNodes(body: Body, pack: PositionedReader, packBytes: number): Map<string, LayerNode> {
  const metaOf = metaMaker();
  const inodes: LayerInode[] = body.objects.map((row) => {
    const ino = allocateIno();
    if (row[0] === 0) {
      const [, mode, uid, gid, mtime, nlink, offset, size, xattrs] = row;
      if (!(offset >= 0 && size >= 0 && offset + size <= packBytes)) throw new RangeError('object outside the pack');
      return fileInode(ino, metaOf(mode, uid, gid, mtime, xattrs, 0o644), size === 0 ? EMPTY_CONTENT : new RangeContent(pack, offset, size), nlink);
    }
    const [, mode, uid, gid, mtime, nlink, target, xattrs] = row;
    return symlinkInode(ino, metaOf(mode, uid, gid, mtime, xattrs, 0o777), target, nlink);
  });
  // One node object per inode, shared by its names, as the tar reader links them.
  const objectNodes = inodes.map(objectNode);
  const nodes = new Map<string, LayerNode>();
  for (const row of body.nodes) {
    const path = row[0];
    if (row[1] === 'w') {
      nodes.set(path, { kind: 'whiteout' });
    } else if (row[1] === 'o') {
      const node = objectNodes[row[2]];
      if (node === undefined) throw new RangeError('unknown object');
      nodes.set(path, node);
    } else {
      const [, , mode, uid, gid, mtime, flags, xattrs] = row;
      const meta = metaOf(mode, uid, gid, mtime, xattrs, 0o755);
      const implicit = (flags & 2) !== 0;
      // Implicit directories share the one default object, as the layer builder makes them.
      const shared = implicit && sameMeta(meta, DEFAULT_DIR_META) ? DEFAULT_DIR_META : meta;
      nodes.set(path, { kind: 'dir', meta: shared, opaque: (flags & 1) !== 0, implicit });
    }
  }
  return nodes;
}

function sameMeta(a: Meta, b: Meta): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtime === b.mtime && Object.keys(a.xattrs).length === 0 && Object.keys(b.xattrs).length === 0;
}
