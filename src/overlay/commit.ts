import type { MutableMeta, UpperDir, UpperInode } from '../cow/index.js';
import {
  Layer,
  allocateIno,
  fileInode,
  makeMeta,
  objectNode,
  sameAttributes,
  symlinkInode,
  type LayerHistory,
  type LayerInode,
  type LayerNode,
  type Meta,
} from '../layer/index.js';
import { joinPath } from '../path/index.js';
import { kindOf, type Dentry, type Engine, type ShownObject } from './engine/index.js';

function freezeMeta(meta: MutableMeta | Meta): Meta {
  return makeMeta(meta, meta.mode);
}

/**
 * An index=on object changed in what its other names must show: data, mode, owner or xattrs.
 * A time-only change (truncate to the same bytes) stays out, as it does from the kernel's
 * upper dir, where those names live in workdir/index.
 */
function objectDiffers(upper: UpperInode, lower: LayerInode): boolean {
  if (!sameAttributes(upper.meta, lower.meta)) return true;
  return upper.type === 'file' && lower.type === 'file' && !upper.data.pristine && !upper.data.sameBytesAs(lower.content);
}

function sameDirAttributes(upper: MutableMeta, lower: Meta): boolean {
  return sameAttributes(upper, lower) && upper.mtime === lower.mtime;
}

/** Collects objects by identity so hard links stay one inode with the right nlink. */
class ObjectTable {
  readonly #groups = new Map<ShownObject, string[]>();

  add(path: string, object: ShownObject): void {
    const names = this.#groups.get(object);
    if (names === undefined) this.#groups.set(object, [path]);
    else names.push(path);
  }

  has(object: ShownObject): boolean {
    return this.#groups.has(object);
  }

  objects(): ShownObject[] {
    return [...this.#groups.keys()];
  }

  emit(nodes: Map<string, LayerNode>): void {
    for (const [object, names] of this.#groups) {
      const meta = freezeMeta(object.meta);
      const inode =
        object.type === 'symlink'
          ? symlinkInode(allocateIno(), meta, object.target, names.length)
          : fileInode(allocateIno(), meta, object.mutable ? object.data.freeze() : object.content, names.length);
      const node = objectNode(inode);
      for (const name of names) nodes.set(name, node);
    }
  }
}

/**
 * The upper layer as an immutable OCI changeset (the kernel upper dir turned into a layer, as
 * Docker's overlay2 `Diff` does). Whiteouts stay whiteouts and opaque directories stay opaque:
 * the choice between the two forms is the upper layer's own (rmdir then mkdir gives an opaque
 * directory; unlink gives explicit whiteouts), never a guess (OCI layer.md, image-spec #1215).
 * Two things an OCI changeset cannot express are written out in full: a directory that merges
 * with a lower one through a redirect (an opaque directory with its whole merged content), and
 * names of an index=on hard link that the upper dir does not hold (added as links, so the
 * committed stack shows exactly the mount's view).
 */
export function commitUpper(engine: Engine, history: LayerHistory): Layer {
  const { nodes, objects } = collectUpper(engine);
  carryHardLinkNames(engine, nodes, objects);
  objects.emit(nodes);
  // The root is written only when its own attributes changed (chmod, chown, xattrs): its
  // mtime changes with every new top-level name, which no layer needs to carry.
  const rootMeta = engine.upperRoot.meta;
  if (!sameAttributes(rootMeta, engine.lower.root.meta) || engine.upperRoot.opaque) {
    nodes.set('/', { kind: 'dir', meta: freezeMeta(rootMeta), opaque: engine.upperRoot.opaque, implicit: false });
  } else if (nodes.size > 0) {
    nodes.set('/', { kind: 'dir', meta: freezeMeta(rootMeta), opaque: false, implicit: true });
  }
  return Layer.fromNodes(nodes, { history });
}

/**
 * The index=on objects whose names the upper dir does not hold that commit writes anyway
 * (see carryHardLinkNames); `diff` reports those names, and only those, as commit will.
 */
export function indexedObjectsCommitted(engine: Engine): Set<ShownObject> {
  if (engine.copies.indexed.size === 0) return new Set();
  const { objects } = collectUpper(engine);
  const out = new Set<ShownObject>();
  for (const [lower, upper] of engine.copies.indexed) if (indexedObjectCarried(upper, lower, objects)) out.add(upper);
  return out;
}

// The index may hold an unchanged object only to keep nlink right after an unlink.
function indexedObjectCarried(upper: UpperInode, lower: LayerInode, objects: ObjectTable): boolean {
  return objects.has(upper) || objectDiffers(upper, lower);
}

/** What the upper tree holds: its whiteouts and directories as nodes, its files and symlinks as objects. */
function collectUpper(engine: Engine): { nodes: Map<string, LayerNode>; objects: ObjectTable } {
  const nodes = new Map<string, LayerNode>();
  const objects = new ObjectTable();

  const emitMerged = (d: Dentry, path: string): void => {
    for (const entry of engine.paths.readdir(d)) {
      const child = engine.paths.child(d, entry.name);
      const childPath = joinPath(path, entry.name);
      if (entry.kind === 'dir') {
        const dir = child.upper?.kind === 'dir' ? child.upper : child.lower;
        if (dir?.kind !== 'dir') throw new Error('commit: a directory entry without a directory');
        nodes.set(childPath, { kind: 'dir', meta: freezeMeta(dir.meta), opaque: false, implicit: false });
        emitMerged(child, childPath);
      } else {
        objects.add(childPath, engine.copies.objectOf(child));
      }
    }
  };

  const walk = (dir: UpperDir, d: Dentry, path: string): void => {
    for (const [name, node] of dir.children) {
      const childPath = joinPath(path, name);
      if (node.kind === 'whiteout') {
        nodes.set(childPath, { kind: 'whiteout' });
      } else if (node.kind === 'dir') {
        const child = engine.paths.child(d, name);
        const redirected = node.redirect !== undefined && child.lower !== undefined;
        const implicit = node.implied && !node.opaque && !redirected && child.lower?.kind === 'dir' && sameDirAttributes(node.meta, child.lower.meta);
        nodes.set(childPath, { kind: 'dir', meta: freezeMeta(node.meta), opaque: node.opaque || redirected, implicit });
        if (redirected) emitMerged(child, childPath);
        else walk(node, child, childPath);
      } else {
        objects.add(childPath, node.inode);
      }
    }
  };
  walk(engine.upperRoot, engine.paths.root(), '/');
  return { nodes, objects };
}

/**
 * A lower hard link must stay one object in the committed stack: when the layer carries one
 * of its names (written out under a redirect, or an index=on copy, changed or just renamed),
 * it carries every other name that still shows the same object.
 */
function carryHardLinkNames(engine: Engine, nodes: Map<string, LayerNode>, objects: ObjectTable): void {
  const lowerOf = new Map<ShownObject, LayerInode>();
  for (const [lower, upper] of engine.copies.indexed) if (indexedObjectCarried(upper, lower, objects)) lowerOf.set(upper, lower);
  for (const object of objects.objects()) if (!object.mutable && object.nlink > 1) lowerOf.set(object, object);
  for (const [object, lower] of lowerOf) {
    for (const path of engine.lower.pathsOf(lower)) {
      if (nodes.has(path)) continue;
      // Taken literally: a name reachable only through a symlink is not one of the layer's.
      const d = engine.paths.lookupLiteral(path);
      if (d !== undefined && kindOf(d) !== 'dir' && engine.copies.objectOf(d) === object) objects.add(path, object);
    }
  }
}
