import type { UpperNode } from '../../cow/index.js';
import type { EntryView } from './Dentry.js';
import type { LowerNode } from './LowerTree.js';

/**
 * The one rule of what shows at a name (overlayfs.rst "Directories", "whiteouts and opaque
 * directories"): an entry decides what of the layers below it still shows at the same name.
 * The engine applies it to the upper entry over the merged lower tree (`mergeEntry`, used by
 * the general lookup and the fast read path alike); explain applies it layer by layer.
 */

/** What an entry lets through from below at its name. */
export type Passes = 'everything' | 'dirs' | 'nothing';

/** The part of an entry the rule looks at (upper, lower-tree and layer nodes all have it). */
export type EntryShape = { readonly kind: 'whiteout' | 'file' | 'symlink' } | { readonly kind: 'dir'; readonly opaque?: boolean };

/**
 * Nothing above: everything below shows. A whiteout or a non-directory hides everything below;
 * an opaque directory too; a plain directory merges with directories below and hides the rest.
 */
export function passesBelow(above: EntryShape | undefined): Passes {
  if (above === undefined) return 'everything';
  if (above.kind !== 'dir') return 'nothing';
  return above.opaque === true ? 'nothing' : 'dirs';
}

/** Whether an entry below shows through what lies above it. */
export function showsThrough(passes: Passes, below: EntryShape): boolean {
  return passes === 'everything' || (passes === 'dirs' && below.kind === 'dir');
}

/**
 * What shows at a name, from the upper layer's entry there and the lower tree's node (for a
 * redirected upper directory: the node at its redirect, see `lowerBelow`).
 */
export function mergeEntry(upper: UpperNode | undefined, lower: LowerNode | undefined): EntryView {
  const shown = lower !== undefined && showsThrough(passesBelow(upper), lower) ? lower : undefined;
  if (upper === undefined) return { upper: undefined, lower: shown, whiteout: false };
  if (upper.kind === 'whiteout') return { upper: undefined, lower: undefined, whiteout: true };
  return { upper, lower: shown, whiteout: false };
}
