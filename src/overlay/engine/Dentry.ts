import type { UpperNode } from '../../cow/index.js';
import type { LowerNode } from './LowerTree.js';

/** What the upper layer can show at a name (a whiteout shows nothing). */
export type UpperShown = Exclude<UpperNode, { kind: 'whiteout' }>;

/**
 * What shows at one name (merge.ts `mergeEntry`): the upper object, and the lower object that
 * shows through (only when nothing in the upper hides it, or when both are directories that
 * merge). Neither: the name does not exist. This is all a read needs; the fast read path
 * (Lookup.lookupFast) returns only this, so what it finds cannot reach copy-up or `pathOf`,
 * which need a `Dentry`'s parent chain.
 */
export interface EntryView {
  readonly upper: UpperShown | undefined;
  readonly lower: LowerNode | undefined;
  /** The upper layer has a whiteout at this name. */
  readonly whiteout: boolean;
}

/**
 * One name as the general lookup found it, with the dentries walked to reach it. A negative
 * dentry (neither upper nor lower) still knows its parent, so creating calls can use it.
 * Copy-up fills in `upper` (and clears `lower` of a non-directory). Dentries are made per call
 * and never kept across a mutation.
 */
export interface Dentry extends EntryView {
  readonly parent: Dentry | null;
  readonly name: string;
  upper: UpperShown | undefined;
  lower: LowerNode | undefined;
}

export type ObjectKind = 'dir' | 'file' | 'symlink';

export function exists(d: EntryView): boolean {
  return d.upper !== undefined || d.lower !== undefined;
}

export function kindOf(d: EntryView): ObjectKind | undefined {
  return (d.upper ?? d.lower)?.kind;
}

export function isDir(d: EntryView): boolean {
  return kindOf(d) === 'dir';
}

/** Absolute path of a dentry in the merged view. */
export function pathOf(d: Dentry): string {
  const names: string[] = [];
  for (let cur: Dentry | null = d; cur !== null && cur.parent !== null; cur = cur.parent) names.push(cur.name);
  return '/' + names.reverse().join('/');
}
