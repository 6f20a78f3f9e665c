// The model test/property/analysisColumns.test.ts checks src/analysis against: src/analysis/stackWalk.ts
// as it was before the analysis moved to layer columns (node objects, maps keyed by path).
/**
 * One pass over a stack of layers, bottom first, keeping the merged view as a map of paths:
 * what each layer adds, changes and deletes against the view below it, and which copies of
 * files later layers hide (overwrite, delete, hide under an opaque directory). The hiding
 * rules are those of overlayfs.rst, "whiteouts and opaque directories", and OCI image-spec
 * layer.md, "Whiteouts"; test/property/analysis.test.ts checks them against `Overlay`.
 */
import { sameContent, type Layer, type LayerFileInode, type LayerInode, type LayerNode } from '../../../../src/layer/index.js';
import { dirname } from '../../../../src/path/index.js';
import type { HiddenCopy, HideReason, LayerEffect } from '../../../../src/analysis/index.js';

export type { HiddenCopy };

interface Visible {
  layer: number;
  node: LayerNode;
}

/** The merged view as the walk goes up: path → the layer and node that provide it. */
class MergedPaths {
  readonly entries = new Map<string, Visible>();
  readonly children = new Map<string, Set<string>>();

  constructor() {
    this.entries.set('/', { layer: -1, node: { kind: 'dir', meta: { mode: 0o755, uid: 0, gid: 0, mtime: 0, xattrs: {} }, opaque: false, implicit: true } });
  }

  set(path: string, value: Visible): void {
    if (!this.entries.has(path) && path !== '/') {
      const parent = dirname(path);
      let names = this.children.get(parent);
      if (names === undefined) this.children.set(parent, (names = new Set()));
      names.add(path);
    }
    this.entries.set(path, value);
  }

  /** Removes the path and everything below it, calling `gone` for each removed path. */
  remove(path: string, gone: (path: string, value: Visible) => void): void {
    const value = this.entries.get(path);
    if (value === undefined) return;
    this.removeBelow(path, gone);
    this.entries.delete(path);
    this.children.get(dirname(path))?.delete(path);
    gone(path, value);
  }

  removeBelow(path: string, gone: (path: string, value: Visible) => void): void {
    const names = this.children.get(path);
    if (names === undefined) return;
    for (const child of [...names]) this.remove(child, gone);
    this.children.delete(path);
  }
}

function sameObject(a: LayerNode, b: LayerNode): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'whiteout' || b.kind === 'whiteout') return false;
  if (a.kind === 'dir' || b.kind === 'dir') {
    const x = a.kind === 'dir' ? a.meta : undefined;
    const y = b.kind === 'dir' ? b.meta : undefined;
    return x !== undefined && y !== undefined && x.mode === y.mode && x.uid === y.uid && x.gid === y.gid;
  }
  const x = a.inode;
  const y = b.inode;
  if (x.meta.mode !== y.meta.mode || x.meta.uid !== y.meta.uid || x.meta.gid !== y.meta.gid) return false;
  if (x.type === 'symlink' || y.type === 'symlink') return x.type === 'symlink' && y.type === 'symlink' && x.target === y.target;
  return sameContent(x.content, y.content);
}

/** A file object of one layer (its bytes count once, whatever its names). */
export interface LayerObject {
  layer: number;
  inode: LayerFileInode;
  /** Its names in that layer. */
  paths: string[];
}

export interface StackWalk {
  effects: LayerEffect[];
  hidden: HiddenCopy[];
  /** Every file object of every layer, and whether a name of it is visible at the top. */
  objects: { object: LayerObject; visible: boolean }[];
  /** The merged view at the top: path → providing layer (-1 for the root no layer holds). */
  visible: ReadonlyMap<string, Visible>;
}

/** Walks `layers` bottom first (see the module comment). */
export function walkStack(layers: readonly Layer[]): StackWalk {
  const merged = new MergedPaths();
  const effects: LayerEffect[] = [];
  const hidden: HiddenCopy[] = [];
  const allObjects: LayerObject[] = [];
  layers.forEach((layer, j) => {
    const objects = new Map<LayerInode, LayerObject>();
    const effect: LayerEffect = { added: [], changed: [], deleted: [], opaque: [], unchanged: [] };
    const paths = layer.paths();
    const nodes = paths.map((path) => layer.node(path)!);
    // First against the view below, untouched.
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      const node = nodes[i]!;
      const below = merged.entries.get(path);
      if (node.kind === 'whiteout') {
        if (below !== undefined) effect.deleted.push(path);
        continue;
      }
      if (node.kind === 'dir') {
        if (node.opaque) effect.opaque.push(path);
        if (path === '/') continue;
        if (below === undefined) effect.added.push(path);
        else if (node.implicit && below.node.kind === 'dir') continue;
        else (sameObject(below.node, node) ? effect.unchanged : effect.changed).push(path);
        continue;
      }
      if (below === undefined) effect.added.push(path);
      else (sameObject(below.node, node) ? effect.unchanged : effect.changed).push(path);
    }
    effects.push(effect);
    // Then applied, parents before children (paths are sorted).
    const hide = (reason: HideReason, at: string) => (path: string, value: Visible) => {
      if (value.node.kind !== 'file') return;
      // A whiteout deletes its own path, and with a directory everything below it.
      hidden.push({ path, layer: value.layer, by: j, reason: reason === 'deleted' && path !== at ? 'deleted-with-directory' : reason, at });
    };
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      const node = nodes[i]!;
      const below = merged.entries.get(path);
      if (node.kind === 'whiteout') {
        merged.remove(path, hide('deleted', path));
        continue;
      }
      if (node.kind === 'dir') {
        if (node.opaque) merged.removeBelow(path, hide('hidden-by-opaque', path));
        if (below !== undefined && below.node.kind !== 'dir') merged.remove(path, hide('overwritten', path));
        if (!(node.implicit && !node.opaque && below?.node.kind === 'dir')) merged.set(path, { layer: j, node });
        continue;
      }
      if (below !== undefined) {
        if (below.node.kind === 'dir') merged.removeBelow(path, hide('replaced-directory', path));
        merged.remove(path, hide('overwritten', path));
      }
      merged.set(path, { layer: j, node });
      if (node.kind === 'file') {
        const object = objects.get(node.inode);
        if (object === undefined) objects.set(node.inode, { layer: j, inode: node.inode as LayerFileInode, paths: [path] });
        else object.paths.push(path);
      }
    }
    for (const object of objects.values()) allObjects.push(object);
  });
  // By layer and object: a test may stack the same layer (the same inodes) twice.
  const seen = layers.map(() => new Set<LayerInode>());
  for (const value of merged.entries.values()) if (value.node.kind === 'file') seen[value.layer]!.add(value.node.inode);
  return {
    effects,
    hidden,
    objects: allObjects.map((object) => ({ object, visible: seen[object.layer]!.has(object.inode) })),
    visible: merged.entries,
  };
}

