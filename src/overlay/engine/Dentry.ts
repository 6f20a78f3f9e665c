import type { UpperNode } from '../../cow/index.js';
import type { LowerNode } from './LowerTree.js';

/**
 * One name as a lookup found it: what the upper layer has there and which lower object shows
 * through (only when nothing in the upper hides it, or when both are directories that merge).
 * A negative dentry (neither) still knows its parent, so creating calls can use it.
 * Dentries are made per call and never kept across a mutation.
 */
export interface Dentry {
  readonly parent: Dentry | null;
  readonly name: string;
  /** The upper object (never a whiteout: see `whiteout`). */
  upper: Exclude<UpperNode, { kind: 'whiteout' }> | undefined;
  /** The lower object that shows through (merged directories: the lower directory). */
  lower: LowerNode | undefined;
  /** The upper layer has a whiteout at this name. */
  readonly whiteout: boolean;
}

export type ObjectKind = 'dir' | 'file' | 'symlink';

export function exists(d: Dentry): boolean {
  return d.upper !== undefined || d.lower !== undefined;
}

export function kindOf(d: Dentry): ObjectKind | undefined {
  return (d.upper ?? d.lower)?.kind;
}

export function isDir(d: Dentry): boolean {
  return kindOf(d) === 'dir';
}

/** Absolute path of a dentry in the merged view. */
export function pathOf(d: Dentry): string {
  const names: string[] = [];
  for (let cur: Dentry | null = d; cur !== null && cur.parent !== null; cur = cur.parent) names.push(cur.name);
  return '/' + names.reverse().join('/');
}
