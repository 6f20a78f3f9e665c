// The model test/property/analysisColumns.test.ts checks src/analysis against: src/analysis/diveMetrics.ts
// as it was before the analysis moved to layer columns (node objects, maps keyed by path).
/**
 * Dive's numbers, as dive computes them, so that users can compare: efficiency, wastedBytes
 * and userWastedPercent (dive/filetree/efficiency.go `Efficiency`, dive/image/analysis.go
 * `Analyze`). Dive reads each layer tar into a tree of its members, and this builds the same
 * trees from a `Layer`:
 *
 * - a member's size is its tar header's size: a regular file's bytes, 0 for a directory, a
 *   symlink, a whiteout and a hard link (the second and later names of an object, OCI
 *   image-spec layer.md "Hardlinks");
 * - a directory that has no member of its own (an implicit one) is an intermediate node with
 *   empty info: not a directory, size 0 (dive/filetree/file_tree.go `AddPath`);
 * - opaque markers (`.wh..wh..opq`) are dropped, so an opaque directory hides nothing;
 * - only leaves are visited, depth first, children in name order, children before parents;
 *   a whiteout weighs what the stack below has under its path when that was a directory, and
 *   0 otherwise; a whiteout of a path the stack below lacks ends the visit of that layer
 *   (`GetNode` fails and the visitor's error stops the walk);
 * - the stack below is grown by `Stack`: every node of the layer sets its info in the stacked
 *   tree, a whiteout removes its path.
 *
 * test/unit/analysis/dive.test.ts rebuilds dive's own CI example and gets its numbers.
 */
import type { Layer } from '../../../../src/layer/index.js';
import { basename, compareNames, dirname } from '../../../../src/path/index.js';
import type { DiveMetrics } from '../../../../src/analysis/index.js';

interface DiveNode {
  /** As in the tar: a whiteout keeps its `.wh.` prefix. */
  name: string;
  whiteout: boolean;
  isDir: boolean;
  size: number;
  /** By name; made on the first child (most nodes are leaves). */
  children: Map<string, DiveNode> | undefined;
  /**
   * Children were not added in name order: a layer's paths come in byte order, and so do the
   * names below each directory, except a whiteout's, which sorts by its `.wh.` name.
   */
  unsorted: boolean;
  parent: DiveNode | undefined;
  /** The layer path that made this node (what `pathOf` gives), for the leaves of a layer's tree. */
  path: string | undefined;
}

const WHITEOUT_PREFIX = '.wh.';

function newNode(name: string, parent: DiveNode | undefined): DiveNode {
  return { name, whiteout: name.startsWith(WHITEOUT_PREFIX), isDir: false, size: 0, children: undefined, unsorted: false, parent, path: undefined };
}

function childNamed(node: DiveNode, name: string): DiveNode {
  node.children ??= new Map();
  let child = node.children.get(name);
  if (child === undefined) {
    node.children.set(name, (child = newNode(name, node)));
    if (child.whiteout) node.unsorted = true;
  }
  return child;
}

/** The path dive reports for a node: a whiteout's prefix dropped (file_node.go `Path`). */
function pathOf(node: DiveNode): string {
  if (node.path !== undefined) return node.path;
  let path = node.whiteout ? node.name.slice(WHITEOUT_PREFIX.length) : node.name;
  for (let n = node.parent; n?.parent !== undefined; n = n.parent) path = `${n.name}/${path}`;
  return `/${path}`;
}

/**
 * `AddPath` for a layer's paths in byte order, each directory before what is below it (a layer
 * lists its implicit directories too): the parent's node is looked up by its path, not walked
 * to from the root. Intermediate nodes get empty info, the last one the given info.
 */
function addPath(dirs: Map<string, DiveNode>, path: string, name: string, info: { isDir: boolean; size: number } | undefined): DiveNode {
  const node = childNamed(dirs.get(dirname(path))!, name);
  node.path = path;
  if (info !== undefined) {
    node.isDir = info.isDir;
    node.size = info.size;
  }
  return node;
}

function getNode(root: DiveNode, path: string): DiveNode | undefined {
  let node: DiveNode | undefined = root;
  for (const name of path.split('/')) {
    if (name === '') continue;
    node = node.children?.get(name);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Every node below `node`, depth first, children in name order, each child before its parent (the root left out). */
function childFirst(node: DiveNode, out: DiveNode[] = []): DiveNode[] {
  if (node.children === undefined) return out;
  const children = node.unsorted ? [...node.children.values()].sort((a, b) => compareNames(a.name, b.name)) : node.children.values();
  for (const child of children) {
    childFirst(child, out);
    out.push(child);
  }
  return out;
}

/** The sizes of a node and everything below it. */
function totalSize(node: DiveNode): number {
  let size = node.size;
  if (node.children !== undefined) for (const child of node.children.values()) size += totalSize(child);
  return size;
}

/** A layer as dive's tree of its tar members. */
function diveTree(layer: Layer): DiveNode {
  const root = newNode('', undefined);
  const dirs = new Map<string, DiveNode>([['/', root]]);
  const holders = new Set<unknown>();
  for (const path of layer.paths()) {
    if (path === '/') continue;
    const node = layer.node(path)!;
    const name = basename(path);
    if (node.kind === 'whiteout') {
      addPath(dirs, path, WHITEOUT_PREFIX + name, { isDir: false, size: 0 });
    } else if (node.kind === 'dir') {
      dirs.set(path, addPath(dirs, path, name, node.implicit ? undefined : { isDir: true, size: 0 }));
    } else if (node.kind === 'file') {
      // The first name in byte order holds the data; the others are hard links of size 0.
      const first = !holders.has(node.inode);
      holders.add(node.inode);
      addPath(dirs, path, name, { isDir: false, size: first ? node.inode.content.size : 0 });
    } else {
      addPath(dirs, path, name, { isDir: false, size: 0 });
    }
  }
  return root;
}

/**
 * `Stack`: the layer's nodes set their info in the stacked tree (intermediate nodes too, with
 * their empty info), whiteouts remove paths. Dive visits the upper tree child first; the two
 * trees are walked together here, which ends in the same tree: a layer has one node per path,
 * so no whiteout and node of it meet at one path.
 */
function stackOnto(stacked: DiveNode, upper: DiveNode): void {
  if (upper.children === undefined) return;
  for (const child of upper.children.values()) {
    if (child.whiteout) {
      stacked.children?.delete(child.name.slice(WHITEOUT_PREFIX.length));
      continue;
    }
    const target = stacked.children?.get(child.name);
    if (target === undefined) {
      // A path new to the stack: the layer's node moves over with what is below it, as the
      // copy dive makes would be (the layer's tree is not used again). Whiteouts below it would
      // delete nothing in a new directory; they stay as inert nodes of size 0, found by no
      // lookup, since no layer path has a `.wh.` component.
      (stacked.children ??= new Map()).set(child.name, child);
      child.parent = stacked;
      continue;
    }
    stackOnto(target, child);
    target.isDir = child.isDir;
    target.size = child.size;
  }
}

/** Dive's efficiency and waste for these layers, bottom first (see the module comment). */
export function diveMetrics(layers: readonly Layer[]): DiveMetrics {
  const data = new Map<string, { path: string; count: number; cumulative: number; min: number }>();
  const inefficient: { path: string; count: number; cumulative: number }[] = [];
  const stacked = newNode('', undefined);
  let sizeBytes = 0;
  let userBytes = 0;
  layers.forEach((layer, index) => {
    const tree = diveTree(layer);
    const nodes = childFirst(tree);
    for (const node of nodes) {
      sizeBytes += node.size;
      if (index > 0) userBytes += node.size;
    }
    for (const node of nodes) {
      if (node.children !== undefined && node.children.size > 0) continue;
      const path = pathOf(node);
      // Dive makes the path's record before it sizes a whiteout, so a record left at its
      // initial minimum of -1 counts in the sum when the whiteout ends the visit.
      let entry = data.get(path);
      if (entry === undefined) data.set(path, (entry = { path, count: 0, cumulative: 0, min: -1 }));
      let size = node.size;
      if (node.whiteout) {
        const before = getNode(stacked, path);
        if (before === undefined) break;
        size = before.isDir ? totalSize(before) : 0;
      }
      entry.cumulative += size;
      if (entry.min < 0 || size < entry.min) entry.min = size;
      entry.count++;
      if (entry.count === 2) inefficient.push(entry);
    }
    stackOnto(stacked, tree);
  });
  let minimum = 0;
  let discovered = 0;
  for (const entry of data.values()) {
    minimum += entry.min;
    discovered += entry.cumulative;
  }
  const wastedBytes = inefficient.reduce((sum, e) => sum + e.cumulative, 0);
  return {
    efficiency: discovered === 0 ? 1 : minimum / discovered,
    wastedBytes,
    userWastedPercent: wastedBytes / userBytes,
    sizeBytes,
    userBytes,
    inefficiencies: inefficient
      .map((e) => ({ path: e.path, count: e.count, cumulativeBytes: e.cumulative }))
      .sort((a, b) => b.cumulativeBytes - a.cumulativeBytes || compareNames(a.path, b.path)),
  };
}
