import { FileData } from '../cow/index.js';
import { sameContent, type LayerInode } from '../layer/index.js';
import { compareNames, dirname, joinPath } from '../path/index.js';
import { indexedObjectsCommitted } from './commit.js';
import { exists, kindOf, type Dentry, type Engine, type LowerDir } from './engine/index.js';

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  path: string;
}

/**
 * `docker diff` of the mount against its lower stack (moby pkg/archive/changes.go): the merged
 * view and the lowers compared as two trees. A = only in the view (and everything below an
 * added directory); D = only below, for the top-most removed path alone; C = in both with a
 * different type, mode, owner, or (non-directories) size, mtime, target or data, and every
 * directory above a change. A directory's own mtime is not a change (moby#9874). Sorted by path.
 */
export function diffView(engine: Engine): Change[] {
  const changes = new Map<string, ChangeKind>();

  const addTree = (d: Dentry, path: string): void => {
    changes.set(path, 'A');
    if (kindOf(d) !== 'dir') return;
    for (const entry of engine.paths.readdir(d)) addTree(engine.paths.child(d, entry.name), joinPath(path, entry.name));
  };

  // Compared by what stat and read show, never by identity: a name renamed over an identical
  // one, or an upper restored from a saved layer, is unchanged exactly when it looks unchanged.
  const objectChanged = (d: Dentry, before: LayerInode): boolean => {
    const now = engine.copies.objectOf(d);
    if (now === before) return false;
    if (now.meta.mode !== before.meta.mode || now.meta.uid !== before.meta.uid || now.meta.gid !== before.meta.gid) return true;
    if (now.meta.mtime !== before.meta.mtime) return true;
    if (now.type === 'symlink' || before.type === 'symlink') return now.type !== 'symlink' || before.type !== 'symlink' || now.target !== before.target;
    const data = now.mutable ? now.data : now.content;
    if (data.size !== before.content.size) return true;
    if (data instanceof FileData) {
      if (data.pristine && now.mutable && now.origin === before) return false;
      return !data.sameBytesAs(before.content);
    }
    return !sameContent(data, before.content);
  };

  /** Compares a view directory with the old one; returns whether anything below changed. */
  const visit = (d: Dentry, old: LowerDir | undefined, path: string, full: boolean): boolean => {
    const names = new Set<string>();
    const upper = d.upper?.kind === 'dir' ? d.upper : undefined;
    if (full) {
      for (const e of engine.paths.readdir(d)) names.add(e.name);
      if (old !== undefined) for (const n of old.children.keys()) names.add(n);
    } else if (upper !== undefined) {
      for (const n of upper.children.keys()) names.add(n);
    }
    let changed = false;
    for (const name of [...names].sort(compareNames)) {
      const now = engine.paths.child(d, name);
      const before = old?.children.get(name);
      const childPath = joinPath(path, name);
      if (!exists(now)) {
        if (before !== undefined) {
          changes.set(childPath, 'D');
          changed = true;
        }
        continue;
      }
      if (before === undefined) {
        addTree(now, childPath);
        changed = true;
        continue;
      }
      const kind = kindOf(now);
      if (kind !== before.kind) {
        changes.set(childPath, 'C');
        if (kind === 'dir') for (const e of engine.paths.readdir(now)) addTree(engine.paths.child(now, e.name), joinPath(childPath, e.name));
        changed = true;
      } else if (kind === 'dir' && before.kind === 'dir') {
        const oldDir = before;
        // Below an opaque or redirected directory the view no longer follows the old tree.
        const subFull = full || now.lower !== oldDir;
        if (now.upper === undefined && !subFull) continue;
        // A directory reached through a redirect shows another lower directory's attributes.
        const meta = now.upper?.kind === 'dir' ? now.upper.meta : now.lower?.kind === 'dir' ? now.lower.meta : oldDir.meta;
        const metaChanged = meta.mode !== oldDir.meta.mode || meta.uid !== oldDir.meta.uid || meta.gid !== oldDir.meta.gid;
        if (visit(now, oldDir, childPath, subFull) || metaChanged) {
          changes.set(childPath, 'C');
          changed = true;
        }
      } else if (before.kind !== 'dir' && objectChanged(now, before.inode)) {
        changes.set(childPath, 'C');
        changed = true;
      }
    }
    return changed;
  };

  visit(engine.paths.root(), engine.lower.layers.length > 0 ? engine.lower.root : undefined, '/', false);

  // index=on: names of a changed lower hard link that the upper dir does not hold changed too,
  // when commit writes them (not for a change of times alone: see commit.ts objectDiffers).
  const committed = indexedObjectsCommitted(engine);
  for (const [lower, upper] of engine.copies.indexed) {
    if (!committed.has(upper)) continue;
    for (const path of engine.lower.pathsOf(lower)) {
      if (changes.has(path)) continue;
      const d = engine.paths.lookupLiteral(path);
      if (d === undefined || kindOf(d) === 'dir' || engine.copies.objectOf(d) !== upper || d.upper !== undefined) continue;
      if (!objectChanged(d, lower)) continue;
      changes.set(path, 'C');
      for (let p = dirname(path); p !== '/'; p = dirname(p)) if (!changes.has(p)) changes.set(p, 'C');
    }
  }
  return [...changes].map(([path, kind]) => ({ kind, path })).sort((a, b) => compareNames(a.path, b.path));
}
