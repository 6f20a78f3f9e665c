/**
 * Law: the memfs converters keep a view. A stack written to a volume (`layerToVolume`) and read
 * back (`volumeToLayer`) mounts to the stack's view; a mount after random ops copied out
 * (`overlayToVolume`) and read back mounts to the mount's view. Both go through one flat
 * layer, so FLATTEN_EXCEPTIONS apply (link counts only).
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Overlay, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { layerToVolume, overlayToVolume, volumeToLayer } from '../../../src/interop/index.js';
import { runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { normaliseFlattened } from './flattenMatchesMount.js';
import { diffTrees, explainDiff, fsOf, viewOf, viewOfStack } from './view.js';

export function checkVolumeRoundTrip(inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], options: OverlayOptions): void {
  const stack = buildStack(inputs);
  const [mounted, back] = normaliseFlattened(viewOfStack(stack), viewOfStack([volumeToLayer(layerToVolume(stack))]));
  const diff = diffTrees(mounted, back);
  expect(diff, `layerToVolume → volumeToLayer:\n${explainDiff(diff, mounted, back, ['stack', 'round trip'])}`).toEqual([]);

  const ov = new Overlay({ ...options, lowers: stack });
  for (const op of ops) runOp(fsOf(ov), '', op);
  const [view, copied] = normaliseFlattened(viewOf(ov), viewOfStack([volumeToLayer(overlayToVolume(ov))]));
  const diff2 = diffTrees(view, copied);
  expect(
    diff2,
    `overlayToVolume → volumeToLayer after:\n${ops.map((op) => JSON.stringify(op)).join('\n')}\n${explainDiff(diff2, view, copied, ['mount', 'round trip'])}`,
  ).toEqual([]);
}

export function assertVolumeRoundTrip(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkVolumeRoundTrip, stackArb, opsArb, options, numRuns);
}
