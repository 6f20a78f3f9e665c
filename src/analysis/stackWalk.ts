/**
 * One pass over a stack of layers, bottom first, keeping the merged view (which stack row each
 * path number shows, stackRows.ts): what each layer adds, changes and deletes against the view
 * below it, and which copies of files later layers hide (overwrite, delete, hide under an
 * opaque directory). The hiding rules are those of overlayfs.rst, "whiteouts and opaque directories", and OCI image-spec
 * layer.md, "Whiteouts"; test/property/analysis.test.ts checks them against `Overlay`.
 */
import { ROW_DIR, ROW_FILE, ROW_IMPLICIT, ROW_KIND, ROW_OPAQUE, ROW_SYMLINK, ROW_WHITEOUT, sameContent, type Layer, type LayerColumns } from '../layer/index.js';
import { StackRows } from './stackRows.js';

/** Why a copy of a file stopped being visible. */
export type HideReason =
  /** A later layer has another object at the same path. */
  | 'overwritten'
  /** A whiteout at the path itself. */
  | 'deleted'
  /** A whiteout of a directory above it. */
  | 'deleted-with-directory'
  /** An opaque directory above it (`rm -rf d && mkdir d` in one step). */
  | 'hidden-by-opaque'
  /** A non-directory put where a directory above it was. */
  | 'replaced-directory';

/** A copy of a file (a name in one layer) that a later layer hid. */
export interface HiddenCopy {
  path: string;
  /** The layer holding the copy. */
  layer: number;
  /** The layer that hid it. */
  by: number;
  reason: HideReason;
  /** Where the hiding happened: the path itself, or the directory above it. */
  at: string;
}

/** What one layer does to the view below it (paths, sorted). */
export interface LayerEffect {
  added: string[];
  /** Another type, content, mode, uid or gid; mtime alone is no change. */
  changed: string[];
  /** Paths the layer deletes that the view below has. */
  deleted: string[];
  opaque: string[];
  /** Paths the layer holds again exactly as below (mtime aside). */
  unchanged: string[];
}

/** A copy of a file hidden by a later layer, with its row in its layer's columns. */
export interface HiddenRow extends HiddenCopy {
  row: number;
}

export interface StackWalk {
  effects: LayerEffect[];
  hidden: HiddenRow[];
  /** Per layer, per object of its columns: 1 when a name of it is visible at the top. */
  visibleObjects: Uint8Array[];
}

/** The merged view's root before any layer has one: a plain directory. */
const ROOT = -1;
/** A path the merged view does not have. */
const ABSENT = -2;

/**
 * Walks `layers` bottom first (see the module comment), keeping the merged view as the stack
 * row that provides each path (`StackRows`), by path number.
 */
export function walkStack(layers: readonly Layer[]): StackWalk {
  return walkRows(new StackRows(layers));
}

/** What the walk keeps across layers. */
interface WalkState {
  stack: StackRows;
  /** Per path number: the stack row the merged view has there, ROOT or ABSENT. */
  merged: Int32Array;
  hidden: HiddenRow[];
  /** What the view had, before the layer being applied, at paths an earlier row of it removed. */
  removed: Map<number, number>;
}

// An analysis runs once, cold: what counts is how little each row costs before V8 optimizes,
// and how often V8 compiles the loop (see walkRows).

function isDir(stack: StackRows, ref: number): boolean {
  return ref === ROOT || stack.isDir(ref);
}

/** `ref` (a row of a lower layer, or ROOT) against row `i` of `c`: the same object, mtime aside? */
function sameObject(stack: StackRows, ref: number, c: LayerColumns, i: number): boolean {
  let b: LayerColumns | undefined;
  let k = 0;
  let kind = ROW_DIR;
  if (ref !== ROOT) {
    const l = stack.layerOf[ref]!;
    b = stack.layers[l]!;
    k = ref - stack.starts[l]!;
    kind = b.kinds[k]! & ROW_KIND;
  }
  if (kind !== (c.kinds[i]! & ROW_KIND)) return false;
  const m = c.metas[i]!;
  const mode = b === undefined ? 0o755 : b.metaModes[b.metas[k]!]!;
  const uid = b === undefined ? 0 : b.metaUids[b.metas[k]!]!;
  const gid = b === undefined ? 0 : b.metaGids[b.metas[k]!]!;
  if (mode !== c.metaModes[m] || uid !== c.metaUids[m] || gid !== c.metaGids[m]) return false;
  if (kind === ROW_DIR || b === undefined) return true;
  const x = b.objects[k]!;
  const y = c.objects[i]!;
  if (kind === ROW_SYMLINK) return b.target(x) === c.target(y);
  return b.objectSizes[x] === c.objectSizes[y] && sameContent(b.content(x), c.content(y));
}

/** Adds row `i` of `c` to `effect`: what it is against `below`, the view before the layer. */
function classify(stack: StackRows, effect: LayerEffect, c: LayerColumns, i: number, below: number): void {
  const path = c.paths[i]!;
  const kind = c.kinds[i]!;
  if ((kind & ROW_KIND) === ROW_WHITEOUT) {
    if (below !== ABSENT) effect.deleted.push(path);
    return;
  }
  if ((kind & ROW_KIND) === ROW_DIR) {
    if (kind & ROW_OPAQUE) effect.opaque.push(path);
    if (path === '/') return;
    if (below === ABSENT) effect.added.push(path);
    else if (kind & ROW_IMPLICIT && isDir(stack, below)) return;
    else (sameObject(stack, below, c, i) ? effect.unchanged : effect.changed).push(path);
    return;
  }
  if (below === ABSENT) effect.added.push(path);
  else (sameObject(stack, below, c, i) ? effect.unchanged : effect.changed).push(path);
}

/** Takes path `id` (now `ref`) out of the view, recording a file's copy as hidden by layer `by`. */
function hide(state: WalkState, by: number, id: number, ref: number, reason: HideReason, at: string): void {
  const { stack } = state;
  state.merged[id] = ABSENT;
  const l = stack.layerOf[ref]!;
  const row = ref - stack.starts[l]!;
  if ((stack.layers[l]!.kinds[row]! & ROW_KIND) !== ROW_FILE) return;
  const path = stack.pathNames[id]!;
  // A whiteout deletes its own path, and with a directory everything below it.
  state.hidden.push({ path, layer: l, by, reason: reason === 'deleted' && path !== at ? 'deleted-with-directory' : reason, at, row });
}

/**
 * Removes what the view has below `dir`: rows of the layers below layer `by`, since its own
 * paths below `dir` come after `dir`.
 */
function removeBelow(state: WalkState, by: number, dir: string, reason: HideReason): void {
  const { from, to } = state.stack.below(dir);
  for (let id = from; id < to; id++) {
    const ref = state.merged[id]!;
    if (ref === ABSENT) continue;
    state.removed.set(id, ref);
    hide(state, by, id, ref, reason, dir);
  }
}

/** `walkStack` of rows already numbered (an analysis shares them with dive's metrics). */
export function walkRows(stack: StackRows): StackWalk {
  const state: WalkState = { stack, merged: new Int32Array(stack.pathCount).fill(ABSENT), hidden: [], removed: new Map() };
  if (stack.rootId >= 0) state.merged[stack.rootId] = ROOT;
  const { merged, removed } = state;
  const effects: LayerEffect[] = [];
  // One loop nest in one function, run once: V8 compiles it on the stack once (and again after
  // a deoptimization), where a function per layer was compiled on the stack, then whole.
  for (let j = 0; j < stack.layers.length; j++) {
    const c = stack.layers[j]!;
    const { paths, kinds } = c;
    const start = stack.starts[j]!;
    const effect: LayerEffect = { added: [], changed: [], deleted: [], opaque: [], unchanged: [] };
    removed.clear();
    // Each row: what it is against the view below the layer, then applied to the view, parents
    // before children (a path sorts before the paths below it).
    for (let i = 0; i < paths.length; i++) {
      const kind = kinds[i]!;
      const id = stack.pathIds[start + i]!;
      const below = merged[id]!;
      // The view before this layer: an earlier row (an opaque or deleted directory above) may
      // have taken the path out already.
      classify(stack, effect, c, i, below === ABSENT && removed.size > 0 ? (removed.get(id) ?? ABSENT) : below);
      if ((kind & ROW_KIND) === ROW_WHITEOUT) {
        if (below === ABSENT) continue;
        if (isDir(stack, below)) removeBelow(state, j, paths[i]!, 'deleted');
        hide(state, j, id, below, 'deleted', paths[i]!);
        continue;
      }
      if ((kind & ROW_KIND) === ROW_DIR) {
        if (kind & ROW_OPAQUE) removeBelow(state, j, paths[i]!, 'hidden-by-opaque');
        const belowIsDir = below !== ABSENT && isDir(stack, below);
        if (below !== ABSENT && !belowIsDir) hide(state, j, id, below, 'overwritten', paths[i]!);
        if (!(kind & ROW_IMPLICIT && !(kind & ROW_OPAQUE) && belowIsDir)) merged[id] = start + i;
        continue;
      }
      if (below !== ABSENT) {
        if (isDir(stack, below)) removeBelow(state, j, paths[i]!, 'replaced-directory');
        hide(state, j, id, below, 'overwritten', paths[i]!);
      }
      merged[id] = start + i;
    }
    effects.push(effect);
  }
  const visibleObjects = stack.layers.map((c) => new Uint8Array(c.objectSizes.length));
  for (const ref of state.merged) {
    if (ref < 0) continue;
    const l = stack.layerOf[ref]!;
    const object = stack.layers[l]!.objects[ref - stack.starts[l]!]!;
    if (object >= 0) visibleObjects[l]![object] = 1;
  }
  return { effects, hidden: state.hidden, visibleObjects };
}
