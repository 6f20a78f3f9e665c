/**
 * Law: `flatten(stack)` is one layer showing the view the stack shows when mounted, and is a
 * fixed point (flattening it again changes nothing, to the diffId).
 *
 * Two link counts legitimately differ (FLATTEN_EXCEPTIONS); everything else is exact.
 */
import * as fc from 'fast-check';
import { expect } from 'vitest';
import { flatten, type LayerEntryInput } from '../../../src/index.js';
import { runs } from '../support/config.js';
import { buildStack } from '../support/stack.js';
import type { TreeNode, TreeSnapshot } from '../../../src/testing/index.js';
import { diffTrees, explainDiff, groupSizes, normaliseDirNlink, viewOfStack } from './view.js';

export const FLATTEN_EXCEPTIONS: readonly string[] = [
  'Directory nlink: a directory several layers hold is merged and reports 1; flattened it stands in one layer and reports 2 + subdirectories (test/unit/overlay/kernelObservations.test.ts, case 11). Both sides must report one of those two values.',
  "nlink of lower hard links: a mounted name reports its layer's nlink, which also counts names hidden by layers above (a whiteout, an opaque directory, a file over a directory); the flattened layer holds only the visible names, so its count is the number of visible names, and the mount's is at least that.",
];

/** Applies FLATTEN_EXCEPTIONS: the flattened side must be exact, the mounted side may count hidden names. */
export function normaliseFlattened(mounted: TreeSnapshot, flattened: TreeSnapshot): [TreeSnapshot, TreeSnapshot] {
  const visible = groupSizes(flattened);
  const m = new Map<string, TreeNode>(normaliseDirNlink(mounted));
  const f = new Map<string, TreeNode>(normaliseDirNlink(flattened));
  for (const [path, node] of f) {
    const other = m.get(path);
    if (node.type === 'dir' || other === undefined || other.type === 'dir') continue;
    if (node.nlink === visible.get(path) && other.nlink >= node.nlink) m.set(path, { ...other, nlink: node.nlink });
  }
  return [m, f];
}

export function checkFlattenMatchesMount(inputs: readonly (readonly LayerEntryInput[])[]): void {
  const stack = buildStack(inputs);
  const flat = flatten(stack);
  const [mounted, flattened] = normaliseFlattened(viewOfStack(stack), viewOfStack([flat]));
  const diff = diffTrees(mounted, flattened);
  expect(diff, explainDiff(diff, mounted, flattened, ['stack', 'flattened'])).toEqual([]);
  expect(flatten([flat]).diffId, 'flatten is idempotent').toBe(flat.diffId);
}

export function assertFlattenMatchesMount(stackArb: fc.Arbitrary<LayerEntryInput[][]>, numRuns: number): void {
  fc.assert(fc.property(stackArb, checkFlattenMatchesMount), runs(numRuns));
}
