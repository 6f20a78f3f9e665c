/**
 * A reference for what a stack of layers shows, written straight from the OCI image-spec
 * (layer.md "Changeset over existing files", "Whiteouts", "Opaque Whiteout"; containerd's
 * `applyNaive` for implicit parent directories): apply the layers bottom first to an empty
 * tree. Used to materialize implicit directories, to check the harness against the kernel, and
 * to compare two changesets by meaning (apply each over the lowers, compare the results).
 */
import { contentBytes, type Content, type Layer } from '../../../src/layer/index.js';
import { describeBytes } from '../../../src/testing/_internals/bytes.js';
import type { TreeNode, TreeSnapshot } from '../../../src/testing/index.js';

export interface ViewNode {
  type: 'dir' | 'file' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  /** ms; dirs only (for materializing implicit dirs like the lower dir they merge with). */
  mtime?: number;
  content?: Content;
  target?: string;
  /** Same key = same inode (hard links of one layer). */
  inodeKey?: string;
}

export type View = Map<string, ViewNode>;

const ROOT: ViewNode = { type: 'dir', mode: 0o755, uid: 0, gid: 0 };

function dropSubtree(view: View, path: string, andSelf: boolean): void {
  if (andSelf) view.delete(path);
  const prefix = path === '/' ? '/' : path + '/';
  for (const p of [...view.keys()]) if (p !== '/' && p.startsWith(prefix)) view.delete(p);
}

/**
 * Applies a layer's whiteouts and opaque markers, in place. They hide only what lies below the
 * layer, so they go first; what is left is what the layer's implicit dirs merge with.
 */
export function hideBelow(view: View, layer: Layer): void {
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if (node.kind === 'whiteout') dropSubtree(view, path, true);
    else if (node.kind === 'dir' && node.opaque) dropSubtree(view, path, false);
  }
}

/** Applies one layer to a view, in place. `tag` makes inode keys unique per layer. */
export function applyLayer(view: View, layer: Layer, tag: string): void {
  const paths = layer.paths();
  hideBelow(view, layer);
  for (const path of paths) {
    const node = layer.node(path)!;
    if (node.kind === 'whiteout') continue;
    const existing = view.get(path);
    if (node.kind === 'dir') {
      if (existing?.type === 'dir') {
        // Both directories: only the attributes are replaced (an implicit one has none).
        if (!node.implicit) view.set(path, { type: 'dir', mode: node.meta.mode, uid: node.meta.uid, gid: node.meta.gid, mtime: node.meta.mtime });
      } else {
        dropSubtree(view, path, true);
        const meta = node.implicit ? ROOT : node.meta;
        view.set(path, { type: 'dir', mode: meta.mode, uid: meta.uid, gid: meta.gid, ...(node.implicit ? {} : { mtime: node.meta.mtime }) });
      }
      continue;
    }
    dropSubtree(view, path, true);
    const { inode } = node;
    const entry: ViewNode = { type: inode.type, mode: inode.meta.mode, uid: inode.meta.uid, gid: inode.meta.gid, inodeKey: `${tag}:${inode.ino}` };
    if (inode.type === 'file') entry.content = inode.content!;
    else entry.target = inode.target!;
    view.set(path, entry);
  }
}

/** The view of `layers` (bottom first). */
export function mergedView(layers: readonly Layer[]): View {
  const view: View = new Map([['/', { ...ROOT }]]);
  layers.forEach((layer, i) => applyLayer(view, layer, `L${i}`));
  return view;
}

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000 } as const;
const encoder = new TextEncoder();

/** The view as a `TreeSnapshot` (nlink 0: a layer stack has no link counts to compare). */
export function viewToTree(view: View): TreeSnapshot {
  const paths = [...view.keys()].sort();
  const leaders = new Map<string, string>();
  const out = new Map<string, TreeNode>();
  for (const path of paths) {
    const v = view.get(path)!;
    const node: TreeNode = { type: v.type, mode: TYPE_BITS[v.type] | v.mode, uid: v.uid, gid: v.gid, nlink: 0 };
    if (v.type === 'file') {
      node.size = v.content!.size;
      node.content = describeBytes(contentBytes(v.content!));
    } else if (v.type === 'symlink') {
      node.size = encoder.encode(v.target!).length;
      node.target = v.target!;
    }
    if (v.inodeKey !== undefined) {
      const leader = leaders.get(v.inodeKey);
      if (leader === undefined) leaders.set(v.inodeKey, path);
      else node.sameInodeAs = leader;
    }
    if (path === '/') {
      // The root's attributes come from the mount (the upper dir), not from any layer.
      continue;
    }
    out.set(path, node);
  }
  return out;
}

/** A snapshot without its root (whose attributes belong to the mount, not to the layers). */
export function withoutRoot(tree: TreeSnapshot): TreeSnapshot {
  return new Map([...tree].filter(([path]) => path !== '/'));
}
