/**
 * The rows of a stack of layers (each layer's columns, `Layer.columns()`), numbered across the
 * stack, and its paths, numbered once in sorted order: a view of the stack is then an array from
 * path number to a row of some layer, the paths below a directory are one run of numbers, and
 * the two passes over a stack (stackWalk.ts, diveMetrics.ts) read a row's kind, size and
 * attributes from typed arrays instead of node objects. Each pass used to keep maps keyed by
 * path and a map of children: hashing and inserting the same 50,000 paths into four maps was
 * most of an analysis's time.
 *
 * The numbering merges the layers' sorted path lists (k-way, on a heap). It compares with the
 * engine's own string order, which is `compareNames` for every path without UTF-16 surrogates
 * (see path/posix.ts); when a layer's list is not in that order, it merges again with
 * `compareNames` itself.
 */
import { ROW_DIR, ROW_IMPLICIT, ROW_KIND, type Layer, type LayerColumns } from '../layer/index.js';
import { lowerBound, namesLess, stringsLess, type NameOrder } from '../path/index.js';

export class StackRows {
  readonly layers: readonly LayerColumns[];
  /** The first stack row of each layer, and one past the last row of the top one. */
  readonly starts: Int32Array;
  /** Per stack row: its layer. */
  readonly layerOf: Int32Array;
  /** Per stack row: the number of its path (the same path in any layer has one number). */
  readonly pathIds: Int32Array;
  /** Per path number: the path; sorted. */
  readonly pathNames: string[];
  /** The root's path number, -1 when no layer has a row for it (an empty stack). */
  readonly rootId: number;
  readonly #less: NameOrder;

  constructor(layers: readonly Layer[]) {
    this.layers = layers.map((l) => l.columns());
    this.starts = new Int32Array(layers.length + 1);
    this.layers.forEach((c, j) => (this.starts[j + 1] = this.starts[j]! + c.paths.length));
    const rows = this.starts[layers.length]!;
    this.layerOf = new Int32Array(rows);
    for (let j = 0; j < layers.length; j++) this.layerOf.fill(j, this.starts[j]!, this.starts[j + 1]!);
    this.pathIds = new Int32Array(rows);
    let names = this.#number(stringsLess);
    this.#less = stringsLess;
    if (names === undefined) {
      names = this.#number(namesLess)!;
      this.#less = namesLess;
    }
    this.pathNames = names;
    this.rootId = names[0] === '/' ? 0 : -1;
  }

  /** Numbers the paths in `less` order; `undefined` when some layer's list is not in it. */
  #number(less: NameOrder): string[] | undefined {
    const lists = this.layers.map((c) => c.paths);
    const at = new Int32Array(lists.length);
    // A min-heap of the layers that have paths left, by their next path (then by layer).
    const heap: number[] = [];
    const before = (x: number, y: number): boolean => {
      const a = lists[x]![at[x]!]!;
      const b = lists[y]![at[y]!]!;
      return a === b ? x < y : less(a, b);
    };
    const siftDown = (from: number): void => {
      let i = from;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) return;
        const child = l + 1 < heap.length && before(heap[l + 1]!, heap[l]!) ? l + 1 : l;
        if (!before(heap[child]!, heap[i]!)) return;
        [heap[i], heap[child]] = [heap[child]!, heap[i]!];
        i = child;
      }
    };
    lists.forEach((list, j) => {
      if (list.length > 0) heap.push(j);
    });
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    const names: string[] = [];
    let last: string | undefined;
    while (heap.length > 0) {
      const j = heap[0]!;
      const list = lists[j]!;
      const path = list[at[j]!]!;
      if (path !== last) names.push((last = path));
      this.pathIds[this.starts[j]! + at[j]!] = names.length - 1;
      if (++at[j]! < list.length) {
        if (!less(path, list[at[j]!]!)) return undefined;
      } else {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      siftDown(0);
    }
    return names;
  }

  get pathCount(): number {
    return this.pathNames.length;
  }

  isDir(ref: number): boolean {
    const j = this.layerOf[ref]!;
    return (this.layers[j]!.kinds[ref - this.starts[j]!]! & ROW_KIND) === ROW_DIR;
  }

  /** A directory with an entry of its own in its layer (not only there for what is below it). */
  isExplicitDir(ref: number): boolean {
    const j = this.layerOf[ref]!;
    const kind = this.layers[j]!.kinds[ref - this.starts[j]!]!;
    return (kind & ROW_KIND) === ROW_DIR && (kind & ROW_IMPLICIT) === 0;
  }

  /**
   * The path numbers of every path of the stack below `dir` (not `dir` itself): those starting
   * with `dir/`, one run of the sorted paths (a prefix's strings are contiguous in any
   * lexicographic order), found by binary search.
   */
  below(dir: string): { from: number; to: number } {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const names = this.pathNames;
    let from = lowerBound(names, prefix, 0, this.#less);
    if (from < names.length && names[from] === dir) from++;
    let to = from;
    while (to < names.length && names[to]!.startsWith(prefix)) to++;
    return { from, to };
  }
}
