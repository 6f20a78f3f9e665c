/**
 * Dive's numbers, as dive computes them, so that users can compare: efficiency, wastedBytes
 * and userWastedPercent (dive/filetree/efficiency.go `Efficiency`, dive/image/analysis.go
 * `Analyze`). Dive reads each layer tar into a tree of its members; this gets the same numbers
 * from the layers' columns, one pass a layer over the stack's numbered paths (stackRows.ts),
 * with dive's tree rules:
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
import { ROW_DIR, ROW_FILE, ROW_KIND, ROW_WHITEOUT, type Layer } from '../layer/index.js';
import { compareNames, lowerBound } from '../path/index.js';
import { StackRows } from './stackRows.js';

const WHITEOUT_PREFIX = '.wh.';

/**
 * Whether row `i` (a directory) of these sorted paths has a path below it in its layer: then it
 * is no leaf of dive's tree of the layer.
 */
function hasBelow(paths: readonly string[], i: number): boolean {
  const path = paths[i]!;
  // Most often the next path is the first below it.
  const next = paths[i + 1];
  if (next !== undefined && next.length > path.length && next.charCodeAt(path.length) === 0x2f && next.startsWith(path)) return true;
  const prefix = path === '/' ? '/' : `${path}/`;
  const first = lowerBound(paths, prefix, i + 1);
  return first < paths.length && paths[first]!.startsWith(prefix);
}

/** A path's names as dive's tree has them: a whiteout's last name keeps its `.wh.` prefix. */
function diveNames(path: string, whiteout: boolean): string[] {
  const names = path.split('/').slice(1);
  if (whiteout) names[names.length - 1] = WHITEOUT_PREFIX + names[names.length - 1]!;
  return names;
}

/** Dive's visiting order of two leaves: depth first, children in name order. */
function diveOrder(a: string[], b: string[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const order = compareNames(a[k]!, b[k]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** One path of dive's inefficiency list. */
export interface DiveInefficiency {
  path: string;
  /** How many layers have the path as a leaf. */
  count: number;
  /** The path's cumulative size over those layers (what dive shows as "Wasted Space"). */
  cumulativeBytes: number;
}

export interface DiveMetrics {
  /** Σ over paths of the minimum size ÷ Σ of the cumulative size (1 when nothing weighs). */
  efficiency: number;
  /** Σ of the cumulative size of every path in two or more layers. */
  wastedBytes: number;
  /** wastedBytes ÷ userBytes (NaN or Infinity when userBytes is 0, as dive's float division). */
  userWastedPercent: number;
  /** Σ of the layers' tar member sizes. */
  sizeBytes: number;
  /** The same over layers 1 and above: dive's base is layer 0 alone. */
  userBytes: number;
  /** Largest cumulative size first, then by path. */
  inefficiencies: DiveInefficiency[];
}

/** Dive's efficiency and waste for these layers, bottom first (see the module comment). */
export function diveMetrics(layers: readonly Layer[]): DiveMetrics {
  return diveRows(new StackRows(layers));
}

/** What dive's pass keeps across layers, by path number or stack row. */
interface DiveState {
  stack: StackRows;
  /** Per path: whether dive made its record, in how many layers it is a leaf, its cumulative and minimum size. */
  recorded: Uint8Array;
  counts: Int32Array;
  cumulative: Float64Array;
  minimum: Float64Array;
  /** Paths in two or more layers, in the order they got there. */
  inefficient: number[];
  /** Dive's tree stacked so far: per path, the stack row whose info it has, or -1. */
  stacked: Int32Array;
  /**
   * Paths some layer so far has as a directory: only these can have paths below them in the
   * stacked tree (a file stacked over a directory keeps what was below it, as dive's does).
   */
  wasDir: Uint8Array;
  /** Per stack row, the size its tar member has: a file's first name carries the data. */
  memberSize: Float64Array;
}

// In the common case one pass over a layer's rows (an analysis runs once, cold: what counts is
// how little each row costs before V8 optimizes). A layer where some whiteout ends dive's
// visit takes the general path: sizes, leaves in dive's order, the visit, then `Stack`.

/** Sizes layer `j`'s members; returns the layer's bytes (each object once). */
function sizeMembers(state: DiveState, j: number): number {
  const { kinds, objects, objectSizes } = state.stack.layers[j]!;
  const start = state.stack.starts[j]!;
  const held = new Uint8Array(objectSizes.length);
  let bytes = 0;
  for (let i = 0; i < kinds.length; i++) {
    const object = objects[i]!;
    if ((kinds[i]! & ROW_KIND) === ROW_FILE && held[object] === 0) {
      held[object] = 1;
      state.memberSize[start + i] = objectSizes[object]!;
      bytes += objectSizes[object]!;
    }
  }
  return bytes;
}

/** Layer `j`'s leaves in the order dive visits them: depth first, children in name order. */
function layerLeaves(state: DiveState, j: number): number[] {
  const { paths, kinds } = state.stack.layers[j]!;
  const leaves: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    if (paths[i] === '/' || ((kinds[i]! & ROW_KIND) === ROW_DIR && hasBelow(paths, i))) continue;
    leaves.push(i);
  }
  const names = new Map(leaves.map((i) => [i, diveNames(paths[i]!, (kinds[i]! & ROW_KIND) === ROW_WHITEOUT)]));
  return leaves.sort((a, b) => diveOrder(names.get(a)!, names.get(b)!));
}

/** Dive's visit of leaf `i` of layer `j`: its record; false when it ends the visit. */
function visitLeaf(state: DiveState, j: number, i: number): boolean {
  const { stack, recorded, counts, cumulative, minimum, memberSize } = state;
  const { paths, kinds } = stack.layers[j]!;
  const start = stack.starts[j]!;
  const id = stack.pathIds[start + i]!;
  // Dive makes the path's record before it sizes a whiteout, so a record left at its
  // initial minimum of -1 counts in the sum when the whiteout ends the visit.
  if (recorded[id] === 0) {
    recorded[id] = 1;
    minimum[id] = -1;
  }
  let size = memberSize[start + i]!;
  if ((kinds[i]! & ROW_KIND) === ROW_WHITEOUT) {
    const before = state.stacked[id]!;
    if (before < 0) return false;
    size = stack.isExplicitDir(before) ? totalSize(state, paths[i]!, before) : 0;
  }
  cumulative[id] += size;
  if (minimum[id]! < 0 || size < minimum[id]!) minimum[id] = size;
  if (++counts[id]! === 2) state.inefficient.push(id);
  return true;
}

/** Whether some whiteout of layer `j` names a path the stacked tree lacks (dive's visit then ends there). */
function visitBreaks(state: DiveState, j: number): boolean {
  const { kinds } = state.stack.layers[j]!;
  const { pathIds } = state.stack;
  const start = state.stack.starts[j]!;
  for (let i = 0; i < kinds.length; i++) if ((kinds[i]! & ROW_KIND) === ROW_WHITEOUT && state.stacked[pathIds[start + i]!]! < 0) return true;
  return false;
}

/** A stacked node and what is below it. */
function totalSize(state: DiveState, path: string, ref: number): number {
  const { stacked, memberSize } = state;
  let size = memberSize[ref]!;
  const { from, to } = state.stack.below(path);
  for (let id = from; id < to; id++) if (stacked[id]! >= 0) size += memberSize[stacked[id]!]!;
  return size;
}

/**
 * `Stack` for row `i` of layer `j`: a node sets its info (an intermediate one its empty info),
 * a whiteout removes the path and what is below it.
 */
function stackRow(state: DiveState, j: number, i: number): void {
  const { stack, stacked, wasDir } = state;
  const { paths, kinds } = stack.layers[j]!;
  const start = stack.starts[j]!;
  const id = stack.pathIds[start + i]!;
  if (id === stack.rootId) return;
  const kind = kinds[i]! & ROW_KIND;
  if (kind !== ROW_WHITEOUT) {
    stacked[id] = start + i;
    if (kind === ROW_DIR) wasDir[id] = 1;
  } else if (stacked[id]! >= 0) {
    stacked[id] = -1;
    if (wasDir[id] === 1) {
      const { from, to } = stack.below(paths[i]!);
      stacked.fill(-1, from, to);
    }
  }
}

/** `diveMetrics` of rows already numbered (an analysis shares them with the stack walk). */
export function diveRows(stack: StackRows): DiveMetrics {
  const { pathNames, pathCount } = stack;
  const state: DiveState = {
    stack,
    recorded: new Uint8Array(pathCount),
    counts: new Int32Array(pathCount),
    cumulative: new Float64Array(pathCount),
    minimum: new Float64Array(pathCount),
    inefficient: [],
    stacked: new Int32Array(pathCount).fill(-1),
    wasDir: new Uint8Array(pathCount),
    memberSize: new Float64Array(stack.starts[stack.layers.length]!),
  };
  let sizeBytes = 0;
  let userBytes = 0;
  // One loop nest in one function, run once (see stackWalk.ts walkRows).
  for (let j = 0; j < stack.layers.length; j++) {
    const bytes = sizeMembers(state, j);
    if (!visitBreaks(state, j)) {
      // One pass, when no whiteout ends the visit (the order of leaves then does not matter):
      // each row visited when a leaf, then stacked. A row's visit reads the stacked tree at its
      // own path and below, which no earlier row of the layer changes.
      const { paths, kinds } = stack.layers[j]!;
      for (let i = 0; i < paths.length; i++) {
        if (paths[i] === '/') continue;
        if ((kinds[i]! & ROW_KIND) !== ROW_DIR || !hasBelow(paths, i)) visitLeaf(state, j, i);
        stackRow(state, j, i);
      }
    } else {
      for (const i of layerLeaves(state, j)) if (!visitLeaf(state, j, i)) break;
      for (let i = 0; i < stack.layers[j]!.paths.length; i++) stackRow(state, j, i);
    }
    sizeBytes += bytes;
    if (j > 0) userBytes += bytes;
  }
  const { recorded, counts, cumulative, minimum, inefficient } = state;
  let minimumSum = 0;
  let discovered = 0;
  for (let id = 0; id < pathCount; id++) {
    if (recorded[id] === 0) continue;
    minimumSum += minimum[id]!;
    discovered += cumulative[id]!;
  }
  let wastedBytes = 0;
  for (const id of inefficient) wastedBytes += cumulative[id]!;
  return {
    efficiency: discovered === 0 ? 1 : minimumSum / discovered,
    wastedBytes,
    userWastedPercent: wastedBytes / userBytes,
    sizeBytes,
    userBytes,
    inefficiencies: inefficient
      .map((id) => ({ path: pathNames[id]!, count: counts[id]!, cumulativeBytes: cumulative[id]! }))
      .sort((a, b) => b.cumulativeBytes - a.cumulativeBytes || compareNames(a.path, b.path)),
  };
}
