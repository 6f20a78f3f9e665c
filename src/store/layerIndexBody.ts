/**
 * The body of a layer index (layerIndex.ts), in a form that decodes without parsing: fixed-width
 * numeric columns read as typed arrays, and every string (paths, symlink targets, xattr names and
 * values) in one table decoded by one UTF-8 decode, each string then a slice of it. A mount of a
 * 40k-entry layer builds its nodes from these columns directly; the JSON body of version 1 spent
 * most of a `cat` in decoding text, parsing and collecting the garbage of the parsed rows.
 *
 * Layout (little-endian; every section starts at a multiple of 8 bytes from the body's start):
 *
 *   counts        u32 × 8    metas, objects, nodes, xattr pairs, strings, string-table kind,
 *                            string-table bytes, 0
 *   metas         f64 × 4m   mode, uid, gid, mtime            (distinct attributes of the layer)
 *   metaXattrs    u32 × 2m   first xattr pair, pair count
 *   xattrs        u32 × 2x   name string, value string
 *   objectData    f64 × 2o   offset and size in the pack (0, 0 for a symlink)
 *   objects       u32 × 4o   type (0 file, 1 symlink), meta, nlink, target string (symlinks)
 *   nodes         u32 × 2n   kind (0 dir, 1 whiteout, 2 object) | 4 opaque | 8 implicit, then
 *                            the meta (dir) or object (object); node i's path is string i
 *   stringEnds    u32 × s    end of each string in the table, in UTF-16 code units
 *   strings       bytes      the strings one after the other: UTF-8, or (kind 1) a JSON array
 *                            when some string has surrogates (a lone one does not survive UTF-8)
 */
import {
  DEFAULT_DIR_META,
  EMPTY_CONTENT,
  ROW_DIR,
  ROW_FILE,
  ROW_IMPLICIT,
  ROW_OPAQUE,
  ROW_SYMLINK,
  ROW_WHITEOUT,
  RangeContent,
  fileInode,
  makeMeta,
  objectNode,
  reserveInos,
  symlinkInode,
  type LayerColumns,
  type LayerInode,
  type LayerNode,
  type Meta,
  type PositionedReader,
} from '../layer/index.js';
import { compareNames, hasSurrogates } from '../path/index.js';

/** One distinct set of attributes. */
interface MetaRow {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  xattrs: [string, string][];
}

/** What the encoder gathers from a layer, in the index's order. */
export interface BodyRows {
  metas: MetaRow[];
  /** Files: offset and size in the pack; symlinks: their target. */
  objects: ({ type: 0; meta: number; nlink: number; offset: number; size: number } | { type: 1; meta: number; nlink: number; target: string })[];
  /** Node kinds with flags, and their meta or object, by node; `paths[i]` is node i's path. */
  nodes: Uint32Array;
  paths: readonly string[];
}

export const NODE_DIR = 0;
export const NODE_WHITEOUT = 1;
export const NODE_OBJECT = 2;
export const NODE_OPAQUE = 4;
export const NODE_IMPLICIT = 8;
const KIND_MASK = 3;

const COUNTS = 8;
const STRINGS_UTF8 = 0;
const STRINGS_JSON = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const align8 = (n: number): number => (n + 7) & ~7;

/** Interns attribute sets: one row per distinct (mode, uid, gid, mtime, xattrs). */
export class MetaTable {
  readonly rows: MetaRow[] = [];
  readonly #seen = new Map<string, number>();
  /** Metas are frozen and mostly shared between a layer's objects: most are found by identity. */
  readonly #byObject = new Map<Meta, number>();

  add(meta: Meta): number {
    const known = this.#byObject.get(meta);
    if (known !== undefined) return known;
    const names = Object.keys(meta.xattrs).sort();
    const key = `${meta.mode}:${meta.uid}:${meta.gid}:${meta.mtime}${names.length === 0 ? '' : JSON.stringify(names.map((n) => [n, meta.xattrs[n]]))}`;
    let row = this.#seen.get(key);
    if (row === undefined) {
      row = this.rows.length;
      this.rows.push({ mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: meta.mtime, xattrs: names.map((n) => [n, meta.xattrs[n]!]) });
      this.#seen.set(key, row);
    }
    this.#byObject.set(meta, row);
    return row;
  }
}

export function encodeBody(rows: BodyRows): Uint8Array {
  const strings: string[] = [...rows.paths];
  const intern = (s: string): number => strings.push(s) - 1;
  const xattrs: number[] = [];
  const metaXattrs = new Uint32Array(rows.metas.length * 2);
  const metas = new Float64Array(rows.metas.length * 4);
  rows.metas.forEach((m, i) => {
    metas[i * 4] = m.mode;
    metas[i * 4 + 1] = m.uid;
    metas[i * 4 + 2] = m.gid;
    metas[i * 4 + 3] = m.mtime;
    metaXattrs[i * 2] = xattrs.length / 2;
    metaXattrs[i * 2 + 1] = m.xattrs.length;
    for (const [name, value] of m.xattrs) xattrs.push(intern(name), intern(value));
  });
  const objectData = new Float64Array(rows.objects.length * 2);
  const objects = new Uint32Array(rows.objects.length * 4);
  rows.objects.forEach((o, i) => {
    objects[i * 4] = o.type;
    objects[i * 4 + 1] = o.meta;
    objects[i * 4 + 2] = o.nlink;
    if (o.type === 1) {
      objects[i * 4 + 3] = intern(o.target);
    } else {
      objectData[i * 2] = o.offset;
      objectData[i * 2 + 1] = o.size;
    }
  });
  const joined = strings.join('');
  const wellFormed = !hasSurrogates(joined);
  const table = encoder.encode(wellFormed ? joined : JSON.stringify(strings));
  const stringEnds = new Uint32Array(strings.length);
  let end = 0;
  strings.forEach((s, i) => (stringEnds[i] = end += s.length));
  const counts = new Uint32Array([rows.metas.length, rows.objects.length, rows.paths.length, xattrs.length / 2, strings.length, wellFormed ? STRINGS_UTF8 : STRINGS_JSON, table.length, 0]);

  const sections: ArrayBufferView[] = [counts, metas, metaXattrs, new Uint32Array(xattrs), objectData, objects, rows.nodes, stringEnds, table];
  let size = 0;
  for (const s of sections) size = align8(size) + s.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const s of sections) {
    at = align8(at);
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at += s.byteLength;
  }
  return out;
}

/** Reads the sections of a body; throws a `RangeError` when they do not fit in it. */
function sections(body: Uint8Array) {
  // Typed-array views need aligned offsets: a body at an odd place of its file is copied once.
  const bytes = body.byteOffset % 8 === 0 ? body : body.slice();
  let at = 0;
  const take = <T>(make: (buffer: ArrayBufferLike, offset: number, length: number) => T, width: number, length: number): T => {
    at = align8(at);
    if (at + width * length > bytes.length) throw new RangeError('index body cut short');
    const view = make(bytes.buffer, bytes.byteOffset + at, length);
    at += width * length;
    return view;
  };
  const u32 = (n: number) => take((b, o, l) => new Uint32Array(b, o, l), 4, n);
  const f64 = (n: number) => take((b, o, l) => new Float64Array(b, o, l), 8, n);
  const [metaCount, objectCount, nodeCount, xattrCount, stringCount, tableKind, tableBytes] = u32(COUNTS) as unknown as number[];
  const out = {
    nodeCount: nodeCount!,
    metas: f64(metaCount! * 4),
    metaXattrs: u32(metaCount! * 2),
    xattrs: u32(xattrCount! * 2),
    objectData: f64(objectCount! * 2),
    objects: u32(objectCount! * 4),
    nodes: u32(nodeCount! * 2),
    stringEnds: u32(stringCount!),
    strings: [] as string[],
    /** No string has UTF-16 surrogates: `<` on them is `compareNames`. */
    surrogateFree: tableKind === STRINGS_UTF8,
  };
  const table = take((b, o, l) => new Uint8Array(b, o, l), 1, tableBytes!);
  if (at !== bytes.length) throw new RangeError('index body too long');
  if (tableKind !== STRINGS_UTF8 && tableKind !== STRINGS_JSON) throw new RangeError('unknown index string table');
  out.strings = tableKind === STRINGS_UTF8 ? splitTable(out.stringEnds, table) : (JSON.parse(decoder.decode(table)) as string[]);
  if (out.strings.length !== stringCount || !out.strings.every((s) => typeof s === 'string')) throw new RangeError('index strings do not match');
  return out;
}

/**
 * The strings of the table. Slices of one decoded string would be V8 "sliced strings", views
 * into it, on which every path comparison and hash of a mount or an analysis goes through an
 * indirection (the stack walk of `overlay analyze` ran about 40 % slower on them); each string
 * is made from its own bytes instead. An ASCII table (paths nearly always are), where bytes
 * are characters, is read by Node's latin1 decoder where there is one: no decode of the whole
 * table first, and no view object per string.
 */
function splitTable(ends: Uint32Array, table: Uint8Array): string[] {
  const out = new Array<string>(ends.length);
  const latin1 = asciiReader(table);
  const joined = latin1 === undefined ? decoder.decode(table) : undefined;
  // The table is the encoder's valid UTF-8: as long in characters as in bytes when it is ASCII.
  const ascii = latin1 !== undefined || joined!.length === table.length;
  const length = joined?.length ?? table.length;
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    if (end < start || end > length) throw new RangeError('index string outside the table');
    out[i] = latin1 !== undefined ? latin1(start, end) : ascii ? decoder.decode(table.subarray(start, end)) : joined!.slice(start, end);
    start = end;
  }
  if (start !== length) throw new RangeError('index string table too long');
  return out;
}

interface NodeBufferModule {
  isAscii(bytes: Uint8Array): boolean;
  Buffer: { from(buffer: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'latin1', start: number, end: number): string } };
}

/** Node's latin1 reader of an ASCII table, or undefined (not ASCII, or no node:buffer: a browser). */
function asciiReader(table: Uint8Array): ((start: number, end: number) => string) | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const node = host.process?.getBuiltinModule?.('node:buffer') as NodeBufferModule | undefined;
  if (node === undefined || typeof node.isAscii !== 'function' || !node.isAscii(table)) return undefined;
  const bytes = node.Buffer.from(table.buffer, table.byteOffset, table.length);
  return (start, end) => bytes.toString('latin1', start, end);
}

/** A decoded body: the layer's columns, and its nodes built when first asked for. */
export interface DecodedBody {
  columns: LayerColumns;
  /** The node of a row of `columns.paths`, made on first use (`Layer.fromRows`). */
  nodeAt(row: number): LayerNode;
  /** No string of the body has a surrogate: its paths' order is the strings' own. */
  surrogateFree: boolean;
}

type Sections = ReturnType<typeof sections>;

// Each check and column below is its own small function, run once a layer: a store read runs
// once, cold, and V8 compiles a small hot loop quickly, where it compiled this whole decoder
// three times over (on-stack, then whole, then after a deoptimization) at ~40 ms each.

/** Each object's data size (0 for a symlink), and their sum; throws on a reference outside the body or the pack. */
function objectSizesOf(s: Sections, packBytes: number): { sizes: Float64Array; bytes: number } {
  const metaCount = s.metas.length / 4;
  const objectCount = s.objects.length / 4;
  const sizes = new Float64Array(objectCount);
  let bytes = 0;
  for (let o = 0; o < objectCount; o++) {
    const type = s.objects[o * 4]!;
    if (s.objects[o * 4 + 1]! >= metaCount) throw new RangeError('unknown index meta');
    if (type === 0) {
      const offset = s.objectData[o * 2]!;
      const size = s.objectData[o * 2 + 1]!;
      if (!(offset >= 0 && size >= 0 && offset + size <= packBytes)) throw new RangeError('object outside the pack');
      sizes[o] = size;
      bytes += size;
    } else if (type === 1) {
      if (s.objects[o * 4 + 3]! >= s.strings.length) throw new RangeError('unknown index string');
    } else {
      throw new RangeError('unknown object type');
    }
  }
  return { sizes, bytes };
}

/** Throws when an attribute set names an xattr, or an xattr a string, the body does not have. */
function checkXattrs(s: Sections): void {
  for (let x = 0; x < s.xattrs.length; x++) if (s.xattrs[x]! >= s.strings.length) throw new RangeError('unknown index string');
  for (let m = 0; m < s.metas.length / 4; m++) if (s.metaXattrs[m * 2]! + s.metaXattrs[m * 2 + 1]! > s.xattrs.length / 2) throw new RangeError('unknown index xattr');
}

/** The rows' kinds, attributes and objects; throws on a kind or reference the body does not have. */
function rowColumns(s: Sections): { kinds: Uint8Array; metas: Uint32Array; objects: Int32Array } {
  const metaCount = s.metas.length / 4;
  const objectCount = s.objects.length / 4;
  const n = s.nodeCount;
  const kinds = new Uint8Array(n);
  const metas = new Uint32Array(n);
  const objects = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const flags = s.nodes[i * 2]!;
    const ref = s.nodes[i * 2 + 1]!;
    switch (flags & KIND_MASK) {
      case NODE_DIR:
        if (ref >= metaCount) throw new RangeError('unknown index meta');
        kinds[i] = ROW_DIR | (flags & NODE_OPAQUE ? ROW_OPAQUE : 0) | (flags & NODE_IMPLICIT ? ROW_IMPLICIT : 0);
        metas[i] = ref;
        objects[i] = -1;
        break;
      case NODE_WHITEOUT:
        kinds[i] = ROW_WHITEOUT;
        objects[i] = -1;
        break;
      case NODE_OBJECT:
        if (ref >= objectCount) throw new RangeError('unknown index object');
        kinds[i] = s.objects[ref * 4] === 0 ? ROW_FILE : ROW_SYMLINK;
        metas[i] = s.objects[ref * 4 + 1]!;
        objects[i] = ref;
        break;
      default:
        throw new RangeError('unknown node kind');
    }
  }
  return { kinds, metas, objects };
}

/**
 * Throws unless the paths are in the layer's order, each once: what the columns' readers and
 * `paths()` rely on. A UTF-8 table has no surrogates (the encoder writes JSON then), and
 * without them the engine's own string order is `compareNames`'s.
 */
function checkOrder(paths: readonly string[], surrogateFree: boolean): void {
  if (surrogateFree) {
    for (let i = 1; i < paths.length; i++) if (!(paths[i - 1]! < paths[i]!)) throw new RangeError('index paths out of order or repeated');
  } else {
    for (let i = 1; i < paths.length; i++) if (compareNames(paths[i - 1]!, paths[i]!) >= 0) throw new RangeError('index paths out of order or repeated');
  }
}

/** One column of the attribute sets: mode (0), uid (1) or gid (2). */
function metaColumn(s: Sections, field: number): Float64Array {
  const out = new Float64Array(s.metas.length / 4);
  for (let m = 0; m < out.length; m++) out[m] = s.metas[m * 4 + field]!;
  return out;
}

/**
 * The layer a body describes, files reading from `pack` (`packBytes` long): its columns at once
 * (every reference checked), its nodes on demand. Throws a `RangeError` on a body that does not
 * hold together (a writer's bug: rebuild).
 */
export function decodeBody(body: Uint8Array, pack: PositionedReader, packBytes: number): DecodedBody {
  const s = sections(body);
  const { strings } = s;
  const { sizes: objectSizes, bytes } = objectSizesOf(s, packBytes);
  checkXattrs(s);
  if (s.nodeCount > strings.length) throw new RangeError('unknown index string');
  const { kinds, metas, objects } = rowColumns(s);
  const paths = strings.slice(0, s.nodeCount);
  checkOrder(paths, s.surrogateFree);
  const columns: LayerColumns = {
    paths,
    kinds,
    metas,
    metaModes: metaColumn(s, 0),
    metaUids: metaColumn(s, 1),
    metaGids: metaColumn(s, 2),
    objects,
    objectSizes,
    bytes,
    content: (o) => (objectSizes[o]! === 0 ? EMPTY_CONTENT : new RangeContent(pack, s.objectData[o * 2]!, objectSizes[o]!)),
    target: (o) => strings[s.objects[o * 4 + 3]!]!,
  };
  const rows = new RowNodes(s, pack);
  return { columns, nodeAt: (row) => rows.nodeAt(row), surrogateFree: s.surrogateFree };
}

/**
 * The nodes of a checked body (`decodeBody`), one row at a time, each made once: a mount then
 * makes the nodes of what it looks up, not of the whole layer. The objects' inode numbers are
 * drawn together, in the order a fresh decode of every node draws them (encodeLayerIndex), so a
 * decoded layer numbers them as it always did; one node object per inode, shared by its names,
 * as the tar reader links hard links.
 */
class RowNodes {
  readonly #s: Sections;
  readonly #pack: PositionedReader;
  readonly #firstIno: number;
  readonly #metas: (Meta | undefined)[];
  readonly #objects: (LayerNode | undefined)[];
  /** Directories share one node per (attributes, flags): nodes are immutable, as metas are. */
  readonly #dirs = new Map<number, LayerNode>();

  constructor(s: Sections, pack: PositionedReader) {
    this.#s = s;
    this.#pack = pack;
    this.#metas = new Array<Meta | undefined>(s.metas.length / 4);
    this.#objects = new Array<LayerNode | undefined>(s.objects.length / 4);
    this.#firstIno = reserveInos(this.#objects.length);
  }

  #meta(i: number): Meta {
    let meta = this.#metas[i];
    if (meta === undefined) {
      const s = this.#s;
      const first = s.metaXattrs[i * 2]!;
      const count = s.metaXattrs[i * 2 + 1]!;
      let xattrs: Record<string, string> | undefined;
      if (count > 0) {
        xattrs = {};
        for (let x = first; x < first + count; x++) xattrs[s.strings[s.xattrs[x * 2]!]!] = s.strings[s.xattrs[x * 2 + 1]!]!;
      }
      this.#metas[i] = meta = makeMeta({ mode: s.metas[i * 4], uid: s.metas[i * 4 + 1], gid: s.metas[i * 4 + 2], mtime: s.metas[i * 4 + 3], xattrs }, 0);
    }
    return meta;
  }

  #object(i: number): LayerNode {
    let node = this.#objects[i];
    if (node === undefined) {
      const s = this.#s;
      const meta = this.#meta(s.objects[i * 4 + 1]!);
      const nlink = s.objects[i * 4 + 2]!;
      const ino = this.#firstIno + i;
      let inode: LayerInode;
      if (s.objects[i * 4] === 0) {
        const offset = s.objectData[i * 2]!;
        const size = s.objectData[i * 2 + 1]!;
        inode = fileInode(ino, meta, size === 0 ? EMPTY_CONTENT : new RangeContent(this.#pack, offset, size), nlink);
      } else {
        inode = symlinkInode(ino, meta, s.strings[s.objects[i * 4 + 3]!]!, nlink);
      }
      this.#objects[i] = node = objectNode(inode);
    }
    return node;
  }

  nodeAt(row: number): LayerNode {
    const s = this.#s;
    const flags = s.nodes[row * 2]!;
    const ref = s.nodes[row * 2 + 1]!;
    switch (flags & KIND_MASK) {
      case NODE_DIR: {
        const key = ref * 16 + flags;
        let dir = this.#dirs.get(key);
        if (dir === undefined) {
          const meta = this.#meta(ref);
          const implicit = (flags & NODE_IMPLICIT) !== 0;
          // Implicit directories share the one default object, as the layer builder makes them.
          const shared = implicit && sameAsDefault(meta) ? DEFAULT_DIR_META : meta;
          this.#dirs.set(key, (dir = { kind: 'dir', meta: shared, opaque: (flags & NODE_OPAQUE) !== 0, implicit }));
        }
        return dir;
      }
      case NODE_WHITEOUT:
        return WHITEOUT_NODE;
      default:
        return this.#object(ref);
    }
  }
}

const WHITEOUT_NODE: LayerNode = { kind: 'whiteout' };

function sameAsDefault(a: Meta): boolean {
  const b = DEFAULT_DIR_META;
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtime === b.mtime && Object.keys(a.xattrs).length === 0;
}
