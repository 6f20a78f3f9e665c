/**
 * What each layer of a stack does to the layers below it: the adds, changes and deletes a
 * learner sees when the stack is drawn as boxes (`overlay stack`).
 */
import type { Layer, Meta } from '../layer/index.js';
import { Overlay, type Stats } from '../overlay/index.js';

export interface LayerChanges {
  /** Paths this layer creates (nothing below has them). */
  added: string[];
  /** Paths this layer replaces or whose attributes it changes. */
  changed: string[];
  /** Paths this layer deletes with a whiteout. */
  deleted: string[];
  /** Directories this layer makes opaque: everything below them in lower layers is hidden. */
  opaque: string[];
}

function lstat(view: Overlay, path: string): Stats | undefined {
  try {
    return view.fs.lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function sameDirMeta(st: Stats, meta: Meta): boolean {
  return (st.mode & 0o7777) === meta.mode && st.uid === meta.uid && st.gid === meta.gid;
}

/**
 * The changes of `layers[index]` against the view of `layers[0..index)`. Directories that a
 * layer holds only because something below them changed are not listed, nor directories
 * whose attributes stay the same.
 */
export function layerChanges(layers: readonly Layer[], index: number): LayerChanges {
  const layer = layers[index]!;
  const below = new Overlay({ lowers: layers.slice(0, index) });
  const out: LayerChanges = { added: [], changed: [], deleted: [], opaque: [] };
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if (node.kind === 'whiteout') {
      out.deleted.push(path);
      continue;
    }
    const st = path === '/' ? undefined : lstat(below, path);
    if (node.kind === 'dir') {
      if (node.opaque) {
        out.opaque.push(path);
        if (st === undefined) out.added.push(path);
        continue;
      }
      if (node.implicit || path === '/') continue;
      if (st === undefined) out.added.push(path);
      else if (!st.isDirectory() || !sameDirMeta(st, node.meta)) out.changed.push(path);
      continue;
    }
    if (st === undefined) out.added.push(path);
    else out.changed.push(path);
  }
  return out;
}
