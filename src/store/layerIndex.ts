/**
 * The index of a stored layer: everything a mount needs of it except file data (paths, node
 * kinds, modes, owners, times, xattrs, opaque and implicit directories, whiteouts, symlink
 * targets, hard-link groups), plus where each file's bytes are in the layer's data pack (its
 * files' bytes one after the other). It is written once, when the layer enters the store; a
 * mount decodes it and reads file data only on demand (`RangeContent`).
 *
 * The bytes are three parts:
 *
 *   <sha256 hex of the header>\n<header JSON>\n<body>
 *
 * The header names the format and its version, the layer (blob digest and DiffID), the pack's
 * size and the body's digest, so a truncated, corrupt, foreign or outdated index is detected
 * and rebuilt from the blob, never trusted. Verbs that need only the layer's data size read the
 * header and hash nothing else. The body is columns of numbers and one table of strings
 * (layerIndexBody.ts); version 1's body was JSON; version 3 added `tarBytes` to the header.
 */
import { sha256Digest } from '../digest/index.js';
import { Layer, type LayerFileInode, type LayerInode, type PositionedReader } from '../layer/index.js';
import { MetaTable, NODE_DIR, NODE_IMPLICIT, NODE_OBJECT, NODE_OPAQUE, NODE_WHITEOUT, decodeBody, encodeBody, type BodyRows } from './layerIndexBody.js';

export const LAYER_INDEX_FORMAT = 'overlay-layer-index';
/** Bump when the body changes shape: an index of another version is rebuilt. */
export const LAYER_INDEX_VERSION = 3;

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
  /** Bytes of the layer's uncompressed tar (version 3): `save` writes its header before its data. */
  tarBytes: number;
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

/** A layer key as one string, for maps of decoded layers: its blob and the DiffID it is checked against. */
export const layerKeyId = (key: LayerKey): string => `${key.blob} ${key.diffId}`;

export interface EncodedLayerIndex {
  header: LayerIndexHeader;
  bytes: Uint8Array;
  /** The data pack, as chunks (views of the layer's contents, not copies). */
  pack(): Iterable<Uint8Array>;
}

/**
 * File data already in a pack (a layer read into the store writes its files' bytes there as
 * it parses the tar): where each file's bytes start, and the pack's size. Bytes of replaced
 * duplicate members stay in such a pack unreferenced, so its size may exceed `dataBytes`.
 */
export interface PlacedData {
  bytes: number;
  offsetOf(inode: LayerFileInode): number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;

/**
 * The index of `layer` and its data pack; with `placed`, the pack is already written and the
 * index points into it (`pack()` is then empty).
 */
export function encodeLayerIndex(layer: Layer, key: LayerKey, tarBytes: number, placed?: PlacedData): EncodedLayerIndex {
  // Objects in the order their inode numbers were drawn, so a decoded layer draws its own in
  // the same order; a hard-linked object (one inode, several names) is one row.
  const paths = layer.paths();
  const objectOf = new Map<number, { inode: LayerInode; row: number }>();
  for (const path of paths) {
    const node = layer.node(path)!;
    if ((node.kind === 'file' || node.kind === 'symlink') && !objectOf.has(node.inode.ino)) objectOf.set(node.inode.ino, { inode: node.inode, row: -1 });
  }
  const inodes = [...objectOf.values()].sort((a, b) => a.inode.ino - b.inode.ino);
  const metas = new MetaTable();
  const objects: BodyRows['objects'] = [];
  const packed: LayerInode[] = [];
  let offset = 0;
  let dataBytes = 0;
  for (const entry of inodes) {
    const { inode } = entry;
    entry.row = objects.length;
    const meta = metas.add(inode.meta);
    if (inode.type === 'file') {
      const size = inode.content.size;
      dataBytes += size;
      if (placed !== undefined) {
        objects.push({ type: 0, meta, nlink: inode.nlink, offset: placed.offsetOf(inode), size });
      } else {
        objects.push({ type: 0, meta, nlink: inode.nlink, offset, size });
        packed.push(inode);
        offset += size;
      }
    } else {
      objects.push({ type: 1, meta, nlink: inode.nlink, target: inode.target });
    }
  }
  const nodes = new Uint32Array(paths.length * 2);
  paths.forEach((path, i) => {
    const node = layer.node(path)!;
    if (node.kind === 'dir') {
      nodes[i * 2] = NODE_DIR | (node.opaque ? NODE_OPAQUE : 0) | (node.implicit ? NODE_IMPLICIT : 0);
      nodes[i * 2 + 1] = metas.add(node.meta);
    } else if (node.kind === 'whiteout') {
      nodes[i * 2] = NODE_WHITEOUT;
    } else {
      nodes[i * 2] = NODE_OBJECT;
      nodes[i * 2 + 1] = objectOf.get(node.inode.ino)!.row;
    }
  });
  const body = encodeBody({ metas: metas.rows, objects, nodes, paths });
  const header: LayerIndexHeader = {
    format: LAYER_INDEX_FORMAT,
    version: LAYER_INDEX_VERSION,
    blob: key.blob,
    diffId: key.diffId,
    dataBytes,
    packBytes: placed?.bytes ?? offset,
    tarBytes,
    nodes: paths.length,
    body: sha256Digest(body),
  };
  // Spaces after the header JSON put the body at a multiple of 8 bytes into the file, so the
  // decoder views its columns in place instead of copying them (layerIndexBody.ts).
  const json = JSON.stringify(header);
  const headerBytes = encoder.encode(json.padEnd(json.length + ((8 - ((65 + json.length + 1) % 8)) % 8)));
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
  try {
    const decoded = decodeBody(bodyBytes, pack, index.header.packBytes);
    return Layer.fromRows(decoded.columns, decoded.nodeAt, { surrogateFree: decoded.surrogateFree });
  } catch {
    // A body with the right digest that fails to decode was written by a broken writer:
    // rebuilding it is the safe answer, as for any other bad index.
    return undefined;
  }
}
