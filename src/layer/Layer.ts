import { DomainError } from '../errors/index.js';
import { basename, compareNames, dirname, hasSurrogates, lowerBound, namesLess, stringsLess, type NameOrder } from '../path/index.js';
import { BytesContent, EMPTY_CONTENT, contentBytes, type Content, type DataSink, type PositionedReader } from './Content.js';
import { DEFAULT_DIR_META, DEFAULT_MODE, makeMeta } from './meta.js';
import { cleanPath } from './names.js';
import { columnsOfNodes, type LayerColumns } from './columns.js';
import { layerMembers, type LayerMember, type LayerTree } from './tar/members.js';
import { fileInode, objectNode, relinkInode, symlinkInode } from './inode.js';
import { defaultTarLimits, readLayerTar, type TarEntry, type TarInput, type TarLimits } from './tar/readTar.js';
import { indexLayerTar, indexLayerTarColumns } from './tar/indexTar.js';
import { encodeTar, tarChunks, tarDigest } from './tar/sinks.js';
import { tarLength } from './tar/writeTar.js';
import { WHITEOUT_PREFIX } from './tar/whiteout.js';
import type {
  LayerDirNode,
  LayerEntry,
  LayerEntryInput,
  LayerHistory,
  LayerInode,
  LayerNode,
  LayerObjectNode,
  Meta,
} from './types.js';

// The attribute rule lives in meta.ts; these names stay importable from here.
export { DEFAULT_DIR_META, makeMeta, sameAttributes } from './meta.js';

const encoder = new TextEncoder();
let nextIno = 1000;

/** A fresh process-unique inode number (layers and the overlay draw from one counter). */
export function allocateIno(): number {
  return nextIno++;
}

/** The first of `count` consecutive fresh inode numbers, for objects numbered as they are made. */
export function reserveInos(count: number): number {
  const first = nextIno;
  nextIno += count;
  return first;
}

/** Options for building a layer, beyond its entries. */
export interface LayerOptions {
  history?: LayerHistory;
  /**
   * `fromTar` only: file data goes to this sink as it is read (a store's data pack), so the
   * layer holds no file bytes in memory and keeps none of the input alive.
   */
  dataSink?: DataSink;
  /** `fromTar` only: bounds on what the tar may declare (readTar.ts `defaultTarLimits`). */
  limits?: Partial<TarLimits>;
}

/**
 * An immutable, content-addressed filesystem changeset: the unit of an overlay stack and of an
 * OCI image. Paths are clean and absolute (`/etc/hosts`); the root is `/`.
 *
 * A layer contains the directories on the path to each of its entries, with or without an
 * entry of their own (`implicit`), as a layer directory on disk does: that is what makes them
 * merge with lower directories of the same name (overlayfs.rst "Directories").
 */
export class Layer implements LayerTree {
  /** The nodes by path; a layer made from columns builds them on first use (`#nodes`). */
  #nodeMap: ReadonlyMap<string, LayerNode> | undefined;
  #makeNodes: (() => ReadonlyMap<string, LayerNode>) | undefined;
  /** Names below each directory, listed on first use (only writing the tar needs them). */
  #children: ReadonlyMap<string, readonly string[]> | undefined;
  readonly history: Readonly<LayerHistory>;
  #diffId: string | undefined;
  #sortedPaths: readonly string[] | undefined;
  #columns: LayerColumns | undefined;
  /**
   * A stored layer's node of one row of its sorted paths, made alone: `node` and `childNames`
   * then answer a lookup without making every node (a mount looks up what it touches).
   */
  #nodeAt: ((row: number) => LayerNode) | undefined;
  /** The stored layer's paths have no surrogates, as its index tells (`fromRows`). */
  #plainPaths: boolean | undefined;
  #searchPaths: SortedPaths | undefined;

  /** `nodes`: every node, implicit parents included, or a function that makes them so. */
  private constructor(nodes: ReadonlyMap<string, LayerNode> | (() => ReadonlyMap<string, LayerNode>), history: LayerHistory | undefined, shared?: Layer) {
    if (typeof nodes === 'function') this.#makeNodes = nodes;
    else this.#nodeMap = nodes;
    this.history = Object.freeze({ ...history });
    // Nodes and their listings are immutable: a copy with other history shares them.
    if (shared !== undefined) {
      this.#children = shared.#children;
      this.#sortedPaths = shared.#sortedPaths;
      this.#columns = shared.#columns;
      this.#nodeAt = shared.#nodeAt;
      this.#searchPaths = shared.#searchPaths;
      this.#plainPaths = shared.#plainPaths;
    }
  }

  get #nodes(): ReadonlyMap<string, LayerNode> {
    if (this.#nodeMap === undefined) {
      this.#nodeMap = this.#makeNodes!();
      this.#makeNodes = undefined;
    }
    return this.#nodeMap;
  }

  /** A layer from its JSON entries (see `LayerEntryInput`). Throws `LayerFormatError`. */
  static fromEntries(entries: Iterable<LayerEntryInput>, options: LayerOptions = {}): Layer {
    return new Layer(buildNodes(entries), options.history);
  }

  /**
   * Reads an OCI layer tar, plain or gzip, from bytes or a stream of byte chunks. File contents
   * are views into the tar's bytes (or into the gunzipped chunks), not copies: the layer keeps
   * `input`'s memory alive, and neither `input` nor a streamed chunk may be written to afterwards.
   */
  static async fromTar(input: TarInput, options: LayerOptions = {}): Promise<Layer> {
    const entries = await readLayerTar(input, {
      ...(options.dataSink === undefined ? {} : { sink: options.dataSink }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
    return new Layer(buildNodes(entries), options.history);
  }

  /**
   * An uncompressed layer tar of `size` bytes read by `reader`, from its member headers alone:
   * file contents are ranges of the tar, read on demand (tar/indexTar.ts). `undefined` when
   * the tar is not in the plain subset that reader takes; then read it with `fromTar`. The
   * data stays on disk, so the limits are those of a reader with a sink (`defaultTarLimits`).
   */
  static fromIndexedTar(reader: PositionedReader, size: number, options: LayerOptions & { columns?: boolean } = {}): Layer | undefined {
    const limits = { ...defaultTarLimits(true), ...options.limits };
    // For a caller that reads the columns alone (`columns`: a whole-image pass), a tar that
    // names each path once gives them from its headers directly; its nodes, should a mount
    // ask after all, take a second pass over the headers.
    const columns = options.columns === true ? indexLayerTarColumns(reader, size, limits) : undefined;
    if (columns !== undefined) {
      const nodes = (): Map<string, LayerNode> => {
        const entries = indexLayerTar(reader, size, limits);
        if (entries === undefined) throw new DomainError('LayerFormatError', 'the layer tar changed after it was indexed');
        return buildNodes(entries);
      };
      return Layer.fromColumns(columns, nodes, options);
    }
    const entries = indexLayerTar(reader, size, limits);
    return entries === undefined ? undefined : new Layer(buildNodes(entries), options.history);
  }

  /** Internal constructor for the engine (commit, flatten): nodes already valid. */
  static fromNodes(nodes: Map<string, LayerNode>, options: LayerOptions = {}): Layer {
    return new Layer(completeParents(nodes), options.history);
  }

  /**
   * A layer known by its columns (a stored layer's index), its nodes made by `nodes` when a
   * mount or a tar first needs them: a whole-image pass reads the columns alone. The columns'
   * paths must be every path of those nodes, sorted, implicit parents included.
   */
  static fromColumns(columns: LayerColumns, nodes: () => Map<string, LayerNode>, options: LayerOptions = {}): Layer {
    const layer = new Layer(() => completeParents(nodes()), options.history);
    layer.#columns = columns;
    layer.#sortedPaths = columns.paths;
    return layer;
  }

  /**
   * A stored layer (store/layerIndexBody.ts): its columns, and its node at each row of their
   * paths, made on demand and then kept (the same node each time: hard links share an inode).
   * The paths must hold every parent of each path as a directory, as an index's do.
   * `surrogateFree`: what the index knows of its paths, spared a look at each of them.
   */
  static fromRows(columns: LayerColumns, nodeAt: (row: number) => LayerNode, options: LayerOptions & { surrogateFree?: boolean } = {}): Layer {
    const { paths } = columns;
    const layer = new Layer(() => {
      const nodes = new Map<string, LayerNode>();
      for (let row = 0; row < paths.length; row++) nodes.set(paths[row]!, nodeAt(row));
      return nodes;
    }, options.history);
    layer.#columns = columns;
    layer.#sortedPaths = paths;
    layer.#nodeAt = nodeAt;
    if (options.surrogateFree === true) layer.#plainPaths = true;
    return layer;
  }

  /** The same layer with other history (the diffId is unchanged). */
  withHistory(history: LayerHistory): Layer {
    // Not yet built, the nodes are built once, by this layer, for both.
    const layer = new Layer(this.#nodeMap ?? (() => this.#nodes), history, this);
    layer.#diffId = this.#diffId;
    return layer;
  }

  /** The layer as columns, one row per path of `paths()` (see columns.ts). */
  columns(): LayerColumns {
    this.#columns ??= columnsOfNodes(this.paths(), (path) => this.#nodes.get(path)!);
    return this.#columns;
  }

  /** Every explicit entry, sorted by path (byte order), as the tar has its members. */
  entries(): LayerEntry[] {
    const out: LayerEntry[] = [];
    for (const member of layerMembers(this)) out.push(entryOf(member));
    return out;
  }

  /** Paths of every node (explicit and implicit directories too), sorted in byte order. */
  paths(): readonly string[] {
    this.#sortedPaths ??= [...this.#nodes.keys()].sort(compareNames);
    return this.#sortedPaths;
  }

  /** The node at a clean absolute path, if this layer has one. */
  node(path: string): LayerNode | undefined {
    if (this.#nodeMap === undefined && this.#nodeAt !== undefined) {
      const row = this.#search().rowOf(path);
      return row < 0 ? undefined : this.#nodeAt(row);
    }
    return this.#nodes.get(path);
  }

  /** Names directly below a directory of this layer, sorted. */
  childNames(path: string): readonly string[] {
    if (this.#children === undefined && this.#nodeMap === undefined && this.#nodeAt !== undefined) {
      const nameAt = path === '/' ? 1 : path.length + 1;
      return this.#search().childRows(path).map((row) => this.#sortedPaths![row]!.slice(nameAt));
    }
    this.#children ??= listChildren(this.#nodes);
    return this.#children.get(path) ?? [];
  }

  /** Calls `visit` with the name and node of each entry directly below a directory of this layer, by name. */
  eachChild(path: string, visit: (name: string, node: LayerNode) => void): void {
    const prefix = path === '/' ? '/' : `${path}/`;
    if (this.#nodeMap === undefined && this.#nodeAt !== undefined) {
      const paths = this.#sortedPaths!;
      for (const row of this.#search().childRows(path)) visit(paths[row]!.slice(prefix.length), this.#nodeAt(row));
      return;
    }
    for (const name of this.childNames(path)) visit(name, this.#nodes.get(prefix + name)!);
  }

  #search(): SortedPaths {
    this.#searchPaths ??= new SortedPaths(this.#sortedPaths!, this.#plainPaths);
    return this.#searchPaths;
  }

  get entryCount(): number {
    return this.#sortedPaths?.length ?? this.#nodes.size;
  }

  /** Bytes of file data this layer holds (each hard-linked object counted once). */
  get size(): number {
    if (this.#columns !== undefined) return this.#columns.bytes;
    const seen = new Set<LayerInode>();
    let total = 0;
    for (const node of this.#nodes.values()) {
      if (node.kind !== 'file' || node.inode.type !== 'file' || seen.has(node.inode)) continue;
      seen.add(node.inode);
      total += node.inode.content.size;
    }
    return total;
  }

  /** The canonical uncompressed OCI layer tar, as a sequence of chunks (file data not copied). */
  /** Bytes of `toTar()`, counted from the headers alone (no file data is read). */
  get tarSize(): number {
    return tarLength(this);
  }

  /** The canonical tar in chunks; `onData` sees each chunk of file data with its content. */
  tarChunks(onData?: (content: Content, chunk: Uint8Array) => void): Iterable<Uint8Array> {
    return tarChunks(this, onData);
  }

  /** The canonical uncompressed OCI layer tar: the same layer always gives the same bytes. */
  toTar(): Uint8Array {
    // Always a new array (callers may change what they get), allocated once at its final size.
    return encodeTar(this);
  }

  /** `sha256:<hex>` of `toTar()` (OCI config.md "Layer DiffID"), computed once. */
  get diffId(): string {
    this.#diffId ??= tarDigest(this);
    return this.#diffId;
  }
}

/** The JSON form of one member. */
function entryOf(member: LayerMember): LayerEntry {
  const { path } = member;
  switch (member.kind) {
    case 'dir':
      return { path, type: member.opaque ? 'opaque' : 'dir', ...metaFields(member.meta) };
    case 'whiteout':
      return { path, type: 'whiteout' };
    case 'object': {
      const { inode } = member;
      if (member.linkTo !== undefined) return { path, type: 'hardlink', target: member.linkTo };
      if (inode.type === 'file') return { path, type: 'file', content: contentBytes(inode.content), ...metaFields(inode.meta) };
      return { path, type: 'symlink', target: inode.target, ...metaFields(inode.meta) };
    }
  }
}

function metaFields(meta: Meta): Pick<LayerEntry, 'mode' | 'uid' | 'gid' | 'mtime' | 'xattrs'> {
  const fields: Pick<LayerEntry, 'mode' | 'uid' | 'gid' | 'mtime' | 'xattrs'> = {
    mode: meta.mode,
    uid: meta.uid,
    gid: meta.gid,
    mtime: meta.mtime,
  };
  if (Object.keys(meta.xattrs).length > 0) fields.xattrs = { ...meta.xattrs };
  return fields;
}

function formatError(message: string, path: string): DomainError {
  return new DomainError('LayerFormatError', `${message}: ${path}`, { path });
}

/**
 * Clean absolute path of an entry name (names.ts `cleanPath`); rejects names a layer can never
 * hold. Names over NAME_MAX are refused by the tar reader only: the pinned canonical tar
 * (test/unit/layer/canonicalTar.test.ts) has a 300-byte name built from entries.
 */
export function entryPath(raw: string): string {
  if (raw.includes('\0')) throw formatError('NUL byte in entry name', raw);
  const path = cleanPath(raw);
  if (path === 'escapes') throw formatError('entry name climbs out of the layer with ..', raw);
  return path;
}

function toContent(content: string | Uint8Array | Content | undefined): Content {
  if (content === undefined) return EMPTY_CONTENT;
  if (typeof content === 'string') return new BytesContent(encoder.encode(content));
  // Data read on demand (a tar member in several chunks, a range of a pack, a host file) is
  // already a Content.
  return content instanceof Uint8Array ? new BytesContent(content) : content;
}

function buildNodes(input: Iterable<LayerEntryInput | TarEntry>): Map<string, LayerNode> {
  const nodes = new Map<string, LayerNode>();
  const whiteouts = new Set<string>();
  const named = new Set<string>();
  const links: { path: string; target: string }[] = [];
  for (const entry of input) {
    const path = entryPath(entry.path);
    if (basename(path).startsWith(WHITEOUT_PREFIX)) {
      // OCI layer.md "Whiteouts": no real file may carry the whiteout prefix.
      throw formatError('entry name uses the reserved .wh. prefix', path);
    }
    // A whiteout may stand beside an entry of the same path in the same layer (it hides only
    // lower layers); anything else named twice is an error.
    const seen = entry.type === 'whiteout' ? whiteouts : named;
    if (seen.has(path)) throw formatError('duplicate entry', path);
    if (entry.type !== 'whiteout') named.add(path);
    switch (entry.type) {
      case 'whiteout':
        if (path === '/') throw formatError('whiteout of the root', path);
        whiteouts.add(path);
        break;
      case 'dir':
      case 'opaque':
        nodes.set(path, {
          kind: 'dir',
          meta: makeMeta(entry, DEFAULT_MODE.dir),
          opaque: entry.type === 'opaque',
          implicit: false,
        });
        break;
      case 'file':
        nodes.set(path, { kind: 'file', inode: fileInode(allocateIno(), makeMeta(entry, DEFAULT_MODE.file), toContent(entry.content)) });
        break;
      case 'symlink':
        if (entry.target === undefined || entry.target === '') throw formatError('symlink without a target', path);
        nodes.set(path, { kind: 'symlink', inode: symlinkInode(allocateIno(), makeMeta(entry, DEFAULT_MODE.symlink), entry.target) });
        break;
      case 'hardlink':
        if (entry.target === undefined) throw formatError('hard link without a target', path);
        links.push({ path, target: entryPath(entry.target) });
        break;
      default:
        throw formatError(`unknown entry type ${String((entry as { type: unknown }).type)}`, path);
    }
  }
  resolveHardLinks(nodes, links);
  // A whiteout beside a same-layer entry: a non-directory already hides everything below it;
  // a directory becomes opaque (umoci converts a whiteout that gets children the same way).
  for (const path of whiteouts) {
    const node = nodes.get(path);
    if (node === undefined) {
      // Below a file or symlink of the same layer (umoci writes `opt` and then
      // `opt/.wh.exec.sh` when a directory became a file): that object already hides everything
      // below it, so the whiteout is redundant and dropped, as umoci and containerd drop it
      // (test/unit/layer/hostileTar.test.ts, 'umoci').
      if (belowObject(nodes, path)) continue;
      nodes.set(path, { kind: 'whiteout' });
    } else if (node.kind === 'dir' && !node.opaque) {
      nodes.set(path, { ...node, opaque: true });
    }
  }
  return completeParents(nodes);
}

/** Some ancestor of `path` is a file or symlink of the layer. */
function belowObject(nodes: ReadonlyMap<string, LayerNode>, path: string): boolean {
  for (let parent = dirname(path); parent !== '/'; parent = dirname(parent)) {
    const kind = nodes.get(parent)?.kind;
    if (kind === 'file' || kind === 'symlink') return true;
  }
  return false;
}

/**
 * Hard links point at another entry of the same layer (OCI layer.md "Hardlinks"); all names
 * share one inode whose nlink counts them.
 */
function resolveHardLinks(nodes: Map<string, LayerNode>, links: { path: string; target: string }[]): void {
  if (links.length === 0) return;
  const groups = new Map<string, string[]>();
  // Targets by link path: a lookup per step of a chain, where a search of the list made
  // 20,000 links to one file take a second (and 100,000 half a minute).
  const linkTargets = new Map(links.map((l) => [l.path, l.target]));
  /** Where each link already followed ends: a long chain is walked once, not once per link. */
  const roots = new Map<string, string>();
  for (const { path, target } of links) {
    let root = target;
    const seen = new Set<string>([path]);
    // Follow link-to-link chains to the entry that has the data.
    for (;;) {
      if (seen.has(root)) throw formatError('hard link cycle', path);
      seen.add(root);
      const known = roots.get(root);
      if (known !== undefined) {
        root = known;
        break;
      }
      const next = linkTargets.get(root);
      if (next === undefined) break;
      root = next;
    }
    roots.set(path, root);
    const node = nodes.get(root);
    if (node === undefined || node.kind === 'dir' || node.kind === 'whiteout') {
      throw formatError('hard link target is not a file of the same layer', path);
    }
    let group = groups.get(root);
    if (group === undefined) groups.set(root, (group = [root]));
    group.push(path);
  }
  for (const names of groups.values()) {
    const node = nodes.get(names[0]!) as LayerObjectNode;
    const linked = objectNode(relinkInode(node.inode, node.inode.ino, names.length));
    for (const name of names) nodes.set(name, linked);
  }
}

/**
 * Searches in a layer's paths, sorted by `compareNames`. Without surrogates that order is the
 * strings' own, which the engine compares natively; the paths below any one directory lie
 * together, between "d/" and "d0" ('/' and '0' are neighbours).
 */
class SortedPaths {
  readonly #paths: readonly string[];
  readonly #less: NameOrder;

  /** `plain`: the paths are known to have no surrogates (else they are looked at). */
  constructor(paths: readonly string[], plain = !paths.some(hasSurrogates)) {
    this.#paths = paths;
    this.#less = plain ? stringsLess : namesLess;
  }

  /** The first row not before `path`. */
  #lowerBound(path: string): number {
    return lowerBound(this.#paths, path, 0, this.#less);
  }

  /** The row of `path`, or -1. */
  rowOf(path: string): number {
    const row = this.#lowerBound(path);
    return this.#paths[row] === path ? row : -1;
  }

  /** The rows directly below `dir`, in order; each child's own subtree is stepped over with one search. */
  childRows(dir: string): number[] {
    const paths = this.#paths;
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const rows: number[] = [];
    let row = this.#lowerBound(prefix);
    while (row < paths.length) {
      const path = paths[row]!;
      if (!path.startsWith(prefix)) break;
      const slash = path.indexOf('/', prefix.length);
      if (slash < 0) {
        if (path.length > prefix.length) rows.push(row);
        row++;
      } else {
        row = this.#lowerBound(`${path.slice(0, slash)}0`);
      }
    }
    return rows;
  }
}

function listChildren(nodes: ReadonlyMap<string, LayerNode>): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const path of nodes.keys()) {
    if (path === '/') continue;
    const parent = dirname(path);
    let list = children.get(parent);
    if (list === undefined) children.set(parent, (list = []));
    list.push(basename(path));
  }
  for (const list of children.values()) list.sort(compareNames);
  return children;
}

/** Adds the implicit directories on the path to every node; rejects entries under non-dirs. */
function completeParents(nodes: Map<string, LayerNode>): Map<string, LayerNode> {
  for (const path of [...nodes.keys()]) {
    for (let parent = dirname(path); ; parent = dirname(parent)) {
      const node = nodes.get(parent);
      if (node === undefined) {
        nodes.set(parent, { kind: 'dir', meta: DEFAULT_DIR_META, opaque: false, implicit: true });
      } else if (node.kind === 'whiteout') {
        // Entries below a whiteout of the same layer: the directory is recreated, opaque.
        nodes.set(parent, { kind: 'dir', meta: DEFAULT_DIR_META, opaque: true, implicit: true });
      } else if (node.kind !== 'dir') {
        throw formatError('entry below a non-directory of the same layer', path);
      } else {
        break;
      }
      if (parent === '/') break;
    }
  }
  return nodes;
}

export function isDirNode(node: LayerNode | undefined): node is LayerDirNode {
  return node?.kind === 'dir';
}

