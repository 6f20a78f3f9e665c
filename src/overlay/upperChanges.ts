/**
 * What a mount's writable layer changed since it was restored, as commit would write it: the
 * recorded paths (cow/upper.ts `ChangedPaths`) and a small layer holding their current nodes.
 * A store appends that instead of re-encoding the whole upper (src/store/upperLog.ts). The
 * nodes mirror `collectUpper` in commit.ts for the default mount options; with redirect_dir,
 * index or metacopy a commit reaches beyond the changed paths (merged directories written out
 * in full, hard-link names carried), so those mounts give `undefined`: save the whole layer.
 */
import type { MutableMeta, UpperDir, UpperInode, UpperNode } from '../cow/index.js';
import { Layer, allocateIno, fileInode, makeMeta, objectNode, sameAttributes, symlinkInode, type LayerNode, type Meta } from '../layer/index.js';
import { dirname, joinPath } from '../path/index.js';
import type { Dentry, Engine } from './engine/index.js';
import { engineOf, type Overlay } from './Overlay.js';

/**
 * One changed path. `subtree`: what the layer holds at and below `path` replaces what was
 * saved there; `node`: only the node at `path` changes. `state`: the layer has an entry there,
 * an implicit directory (which a tar does not carry), or nothing (`gone`).
 */
export interface UpperChange {
  readonly path: string;
  readonly scope: 'subtree' | 'node';
  readonly state: 'entry' | 'implicit' | 'gone';
}

export interface UpperChanges {
  /** Sorted by path; no path lies below a `subtree` one. */
  readonly changes: readonly UpperChange[];
  /** The committed nodes at and below the changed paths. */
  readonly layer: Layer;
}

function freezeMeta(meta: MutableMeta | Meta): Meta {
  return makeMeta(meta, meta.mode);
}

/** `path` or one of its ancestors is in `set`. */
function covered(path: string, set: ReadonlySet<string>): boolean {
  for (let p = path; ; p = dirname(p)) {
    if (set.has(p)) return true;
    if (p === '/') return false;
  }
}

/**
 * The changes since the upper was restored (or last marked saved), or `undefined` when they
 * cannot be told apart from the rest: no restored upper, or a mount option that makes a commit
 * reach beyond them.
 */
export function upperChanges(overlay: Overlay): UpperChanges | undefined {
  const engine = engineOf(overlay);
  const recorded = engine.upperRoot.changes;
  const { redirectDir, index, metacopy } = engine.options;
  if (recorded === undefined || redirectDir || index || metacopy) return undefined;
  const subtrees: string[] = [];
  const kept = new Set<string>();
  for (const path of [...recorded.entries].sort()) {
    if (covered(path, kept)) continue;
    kept.add(path);
    subtrees.push(path);
  }
  const collector = new Collector(engine);
  const changes: UpperChange[] = [];
  for (const path of subtrees) changes.push(collector.emit(path, 'subtree'));
  for (const path of [...recorded.objects].sort()) if (!covered(path, kept)) changes.push(collector.emit(path, 'node'));
  // Every name of a hard-linked object that changed or lost a name is saved with it: a tar
  // carries the object once, under one name, the others linking to it (OCI layer.md "Hardlinks").
  const missing = new Set<UpperInode>();
  for (const [inode, names] of collector.objects) if (names.length !== inode.nlink) missing.add(inode);
  for (const inode of recorded.relinked) if (inode.nlink > 0 && !collector.objects.has(inode)) missing.add(inode);
  if (missing.size > 0) {
    const seen = new Set(changes.map((c) => c.path));
    for (const path of namesOf(engine.upperRoot, missing)) {
      if (!seen.has(path) && !covered(path, kept)) changes.push(collector.emit(path, 'node'));
    }
  }
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, layer: collector.layer() };
}

/** Starts a new record: what was changed so far is saved. */
export function upperSaved(overlay: Overlay): void {
  engineOf(overlay).upperRoot.changes?.clear();
}

/** The paths of the upper tree whose object is one of `inodes` (a walk of the whole tree: hard links only). */
function namesOf(root: UpperDir, inodes: ReadonlySet<UpperInode>): string[] {
  const out: string[] = [];
  const walk = (dir: UpperDir, path: string): void => {
    for (const [name, node] of dir.children) {
      if (node.kind === 'dir') walk(node, joinPath(path, name));
      else if (node.kind !== 'whiteout' && inodes.has(node.inode)) out.push(joinPath(path, name));
    }
  };
  walk(root, '/');
  return out;
}

/** The nodes commit would write at the changed paths (commit.ts `collectUpper`, `commitUpper`). */
class Collector {
  readonly #engine: Engine;
  readonly #nodes = new Map<string, LayerNode>();
  readonly objects = new Map<UpperInode, string[]>();

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  emit(path: string, scope: 'subtree' | 'node'): UpperChange {
    const engine = this.#engine;
    if (path === '/') {
      // The root is written when its own attributes changed; otherwise it is implicit.
      const root = engine.upperRoot;
      const explicit = !sameAttributes(root.meta, engine.lower.root.meta) || root.opaque;
      this.#nodes.set('/', { kind: 'dir', meta: freezeMeta(root.meta), opaque: root.opaque, implicit: !explicit });
      if (scope === 'subtree') this.#children(root, engine.paths.root(), '/');
      return { path, scope, state: explicit ? 'entry' : 'implicit' };
    }
    let node: UpperNode = engine.upperRoot;
    let d: Dentry = engine.paths.root();
    for (const name of path.slice(1).split('/')) {
      const next: UpperNode | undefined = node.kind === 'dir' ? node.children.get(name) : undefined;
      if (next === undefined) return { path, scope: 'subtree', state: 'gone' };
      node = next;
      d = engine.paths.child(d, name);
    }
    this.#emitNode(node, d, path, scope === 'subtree');
    const emitted = this.#nodes.get(path);
    return { path, scope, state: emitted?.kind === 'dir' && emitted.implicit ? 'implicit' : 'entry' };
  }

  #emitNode(node: UpperNode, d: Dentry, path: string, deep: boolean): void {
    if (node.kind === 'whiteout') {
      this.#nodes.set(path, { kind: 'whiteout' });
    } else if (node.kind === 'dir') {
      const lower = d.lower;
      const implicit = node.implied && !node.opaque && lower?.kind === 'dir' && sameAttributes(node.meta, lower.meta) && node.meta.mtime === lower.meta.mtime;
      this.#nodes.set(path, { kind: 'dir', meta: freezeMeta(node.meta), opaque: node.opaque, implicit });
      if (deep) this.#children(node, d, path);
    } else {
      const names = this.objects.get(node.inode);
      if (names === undefined) this.objects.set(node.inode, [path]);
      else if (!names.includes(path)) names.push(path);
    }
  }

  #children(dir: UpperDir, d: Dentry, path: string): void {
    for (const [name, child] of dir.children) this.#emitNode(child, this.#engine.paths.child(d, name), joinPath(path, name), true);
  }

  layer(): Layer {
    for (const [object, names] of this.objects) {
      const meta = freezeMeta(object.meta);
      const inode =
        object.type === 'symlink'
          ? symlinkInode(allocateIno(), meta, object.target, names.length)
          : fileInode(allocateIno(), meta, object.data.freeze(), names.length);
      const node = objectNode(inode);
      for (const name of names) this.#nodes.set(name, node);
    }
    return Layer.fromNodes(this.#nodes);
  }
}
