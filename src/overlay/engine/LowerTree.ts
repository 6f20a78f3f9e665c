import { allocateIno, type Layer, type LayerDirNode, type LayerInode, type LayerNode, type Meta } from '../../layer/index.js';
import { joinPath, pathSteps } from '../../path/index.js';

/**
 * The read-only lower layers merged into one tree: the view the kernel's lookup would compute
 * layer by layer (overlayfs.rst "Directories", "whiteouts and opaque directories"). Each
 * directory's children are merged from the layers on its first lookup and kept, so a lookup
 * costs one map access per path step whatever the layer count, and a mount costs what it
 * looks up, not the size of its layers (a stored layer makes the nodes of those paths alone).
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
    // No layer has it yet: the default root's attributes (metaLayer -1).
    const root = new MergedDir(layers, '/', rootMeta, -1);
    root.layers = 0;
    for (let index = 0; index < layers.length; index++) {
      const node = layers[index]!.node('/');
      // A layer's root is a directory; an opaque one hides the layers below.
      if (node?.kind !== 'dir') continue;
      if (node.opaque) root.sources.length = 0;
      root.stack(node, index);
    }
    this.root = root;
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
}

/** A directory of the merged tree, its children merged from its layers on first use. */
class MergedDir implements LowerDir {
  readonly kind = 'dir';
  readonly path: string;
  readonly ino: number;
  meta: Meta;
  layer: number;
  metaLayer: number;
  layers = 1;
  explicit = false;
  /**
   * The layers whose entries below this directory show, bottom first: each one above where it
   * was last made afresh (over nothing, over a non-directory, or opaque) that has it as a
   * directory. Every layer holds the parents of its entries, so no other layer has any.
   */
  readonly sources: number[] = [];
  readonly #all: readonly Layer[];
  #children: Map<string, LowerNode> | undefined;

  constructor(all: readonly Layer[], path: string, meta: Meta, layer: number) {
    this.#all = all;
    this.path = path;
    this.ino = allocateIno();
    this.meta = meta;
    this.layer = layer;
    this.metaLayer = layer;
  }

  /** This directory in layer `index` too, merged over what is below: the upper attributes win. */
  stack(node: LayerDirNode, index: number): void {
    if (!node.implicit) this.meta = node.meta;
    if (!node.implicit || !this.explicit) this.metaLayer = index;
    this.explicit ||= !node.implicit;
    this.layer = index;
    this.layers++;
    this.sources.push(index);
  }

  get children(): Map<string, LowerNode> {
    this.#children ??= this.#merge();
    return this.#children;
  }

  /** This directory's entries, each source layer applied in turn as the kernel stacks them. */
  #merge(): Map<string, LowerNode> {
    const children = new Map<string, LowerNode>();
    for (const index of this.sources) this.#all[index]!.eachChild(this.path, (name, node) => this.#apply(children, index, name, node));
    return children;
  }

  /** One layer's entry for a child, over what the layers below left there. */
  #apply(children: Map<string, LowerNode>, index: number, name: string, node: LayerNode): void {
    const existing = children.get(name);
    switch (node.kind) {
      case 'whiteout':
        children.delete(name);
        break;
      case 'dir':
        if (existing?.kind === 'dir' && !node.opaque) {
          // A directory over a directory merges; the upper one's attributes win (as test/conformance
          // checks against the kernel's merged directories).
          (existing as MergedDir).stack(node, index);
        } else {
          // Over nothing, a non-directory, or opaque: a fresh directory. An implicit one takes
          // the attributes of what it replaces when that was a directory (containerd does too).
          const inherits = node.implicit && existing?.kind === 'dir';
          const explicitBelow = inherits && existing.explicit;
          const dir = new MergedDir(this.#all, this.path === '/' ? `/${name}` : `${this.path}/${name}`, inherits ? existing.meta : node.meta, index);
          dir.metaLayer = explicitBelow ? existing.metaLayer : index;
          dir.explicit = !node.implicit || explicitBelow;
          dir.sources.push(index);
          children.set(name, dir);
        }
        break;
      case 'file':
      case 'symlink':
        children.set(name, { kind: node.kind, inode: node.inode, layer: index });
        break;
    }
  }
}
