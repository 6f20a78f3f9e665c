/**
 * `overlay diff A B`: what the merged view of B adds, changes and deletes against that of A,
 * in `docker diff`'s terms (moby pkg/archive/changes.go, as src/overlay/diff.ts follows it for
 * a container): A = only in B (everything below an added directory too); D = only in A, the
 * top-most removed path alone; C = in both with another type, mode, owner, or (not for
 * directories) size, mtime, target or data, and every directory above a change. Law
 * (test/property/analysis.test.ts): B's entries for the A and C paths, whiteouts for the D
 * paths, stacked on A, show B.
 */
import { sameContent, type Layer, type LayerNode } from '../layer/index.js';
import { flatten } from '../overlay/index.js';
import { compareNames, dirname } from '../path/index.js';

export interface ViewChange {
  kind: 'A' | 'C' | 'D';
  path: string;
}

export interface ViewDiff {
  changes: ViewChange[];
  /** Bytes of file data each view shows (each object once). */
  bytesBefore: number;
  bytesAfter: number;
}

function differs(a: LayerNode, b: LayerNode): boolean {
  if (a.kind !== b.kind || a.kind === 'whiteout' || b.kind === 'whiteout') return true;
  if (a.kind === 'dir' || b.kind === 'dir') {
    if (a.kind !== 'dir' || b.kind !== 'dir') return true;
    return a.meta.mode !== b.meta.mode || a.meta.uid !== b.meta.uid || a.meta.gid !== b.meta.gid;
  }
  const x = a.inode;
  const y = b.inode;
  if (x === y) return false;
  if (x.meta.mode !== y.meta.mode || x.meta.uid !== y.meta.uid || x.meta.gid !== y.meta.gid || x.meta.mtime !== y.meta.mtime) return true;
  if (x.type === 'symlink' || y.type === 'symlink') return x.type !== 'symlink' || y.type !== 'symlink' || x.target !== y.target;
  return !sameContent(x.content, y.content);
}

/** The merged views of two stacks (bottom first) compared (see the module comment). */
export function diffViews(before: readonly Layer[], after: readonly Layer[]): ViewDiff {
  const a = flatten(before);
  const b = flatten(after);
  const changes = new Map<string, ViewChange['kind']>();
  const changedAbove = (path: string): void => {
    for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) if (!changes.has(dir)) changes.set(dir, 'C');
  };
  for (const path of b.paths()) {
    if (path === '/') continue;
    const was = a.node(path);
    if (was !== undefined && !differs(was, b.node(path)!)) continue;
    changes.set(path, was === undefined ? 'A' : 'C');
    changedAbove(path);
  }
  for (const path of a.paths()) {
    if (path === '/' || b.node(path) !== undefined) continue;
    // The top-most removed path alone; below a directory B replaced with a non-directory,
    // the C of that path says it.
    const parent = dirname(path);
    if (parent !== '/' && b.node(parent)?.kind !== 'dir') continue;
    changes.set(path, 'D');
    changedAbove(path);
  }
  return {
    changes: [...changes].map(([path, kind]) => ({ kind, path })).sort((x, y) => compareNames(x.path, y.path)),
    bytesBefore: a.size,
    bytesAfter: b.size,
  };
}
