import { allocateIno, type Layer, type LayerInode, type Meta } from '../../layer/index.js';
import { basename, dirname, joinPath, pathSteps } from '../../path/index.js';

/**
 * The read-only lower layers merged once, at mount time, into one tree: the view the kernel's
 * lookup would compute layer by layer (overlayfs.rst "Directories", "whiteouts and opaque
 * directories"). Lookups then cost one map access per path step whatever the layer count.
 */

export interface LowerDir {
  readonly kind: 'dir';
  readonly path: string;
  readonly ino: number;
  meta: Meta;
  readonly children: Map<string, LowerNode>;
  /** Index (bottom = 0) of the topmost layer that has this directory. */
  layer: number;
  /**
   * Index of the layer whose attributes `meta` are: the topmost with an entry of its own for
   * the directory, not one that only implies it as a parent; when no layer has an entry, the
   * topmost (implied directories all have the default attributes). -1: the default root's.
   */
  metaLayer: number;
  /** How many layers have this directory: more than one makes it a merged directory. */
  layers: number;
  /** Some layer has an entry of its own for it (not only entries below it). */
  explicit: boolean;
}

export interface LowerObject {
  readonly kind: 'file' | 'symlink';
  readonly inode: LayerInode;
  readonly layer: number;
}

export type LowerNode = LowerDir | LowerObject;

export class LowerTree {
  readonly root: LowerDir;
  readonly layers: readonly Layer[];
  #pathsByInode: Map<LayerInode, string[]> | undefined;

  constructor(layers: readonly Layer[], rootMeta: Meta) {
    this.layers = layers;
    this.root = { kind: 'dir', path: '/', ino: allocateIno(), meta: rootMeta, children: new Map(), layer: -1, metaLayer: -1, layers: 0, explicit: false };
    layers.forEach((layer, index) => this.apply(layer, index));
  }

  /** The node at a clean absolute path (no symlinks followed). */
  lookup(path: string): LowerNode | undefined {
    let node: LowerNode = this.root;
    for (const step of pathSteps(path)) {
      if (node.kind !== 'dir') return undefined;
      const next: LowerNode | undefined = node.children.get(step);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** Every visible path of a lower object (its hard-link names), for the index. */
  pathsOf(inode: LayerInode): readonly string[] {
    if (this.#pathsByInode === undefined) {
      const map = new Map<LayerInode, string[]>();
      const walk = (dir: LowerDir): void => {
        for (const [name, child] of dir.children) {
          if (child.kind === 'dir') walk(child);
          else if (child.inode.nlink > 1) {
            const list = map.get(child.inode);
            const path = joinPath(dir.path, name);
            if (list === undefined) map.set(child.inode, [path]);
            else list.push(path);
          }
        }
      };
      walk(this.root);
      this.#pathsByInode = map;
    }
    return this.#pathsByInode.get(inode) ?? [];
  }

  /** Applies one layer as the kernel stacks it: parents first (paths are sorted). */
  private apply(layer: Layer, index: number): void {
    // The directory each of this layer's directory paths now names in the tree. A layer holds
    // every parent of its entries as a directory and sorted order applies it first, so an
    // entry's parent is found here with one map access instead of a walk from the root.
    const dirs = new Map<string, LowerDir>([['/', this.root]]);
    for (const path of layer.paths()) {
      const node = layer.node(path)!;
      if (path === '/') {
        if (node.kind !== 'dir') continue;
        if (node.opaque) this.root.children.clear();
        if (!node.implicit) this.root.meta = node.meta;
        if (!node.implicit || !this.root.explicit) this.root.metaLayer = index;
        this.root.explicit ||= !node.implicit;
        this.root.layer = index;
        this.root.layers++;
        continue;
      }
      const parent = dirs.get(dirname(path));
      if (parent === undefined) continue;
      const name = basename(path);
      const existing = parent.children.get(name);
      switch (node.kind) {
        case 'whiteout':
          parent.children.delete(name);
          break;
        case 'dir':
          if (existing?.kind === 'dir' && !node.opaque) {
            // A directory over a directory merges; the upper one's attributes win (as test/conformance
            // checks against the kernel's merged directories).
            if (!node.implicit) existing.meta = node.meta;
            if (!node.implicit || !existing.explicit) existing.metaLayer = index;
            existing.explicit ||= !node.implicit;
            existing.layer = index;
            existing.layers++;
            dirs.set(path, existing);
          } else {
            // Over nothing, a non-directory, or opaque: a fresh directory. An implicit one takes
            // the attributes of what it replaces when that was a directory (containerd does too).
            const inherits = node.implicit && existing?.kind === 'dir';
            const explicitBelow = inherits && existing.explicit;
            const dir: LowerDir = {
              kind: 'dir',
              path,
              ino: allocateIno(),
              meta: inherits ? existing.meta : node.meta,
              children: new Map(),
              layer: index,
              metaLayer: explicitBelow ? existing.metaLayer : index,
              layers: 1,
              explicit: !node.implicit || explicitBelow,
            };
            parent.children.set(name, dir);
            dirs.set(path, dir);
          }
          break;
        case 'file':
        case 'symlink':
          parent.children.set(name, { kind: node.kind, inode: node.inode, layer: index });
          break;
      }
    }
  }
}
