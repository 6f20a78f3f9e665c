/**
 * Law: a container stopped and started again continues where it was. After any ops, the
 * committed upper layer, written to tar and read back, restored as the writable layer of a
 * fresh mount of the same lowers in the same mode (`new Overlay({ lowers, upper })`), shows the
 * same view and the same `diff()`, and committing it again gives the same layer (same diffId).
 * The view is compared with commit's exceptions (COMMIT_EXCEPTIONS): a restored directory that
 * a redirect or the index had merged may now stand in the upper alone, and nlink follows.
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Layer, Overlay, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { normaliseCommitted } from './commitPreservesView.js';
import { diffTrees, explainDiff, fsOf, viewOf } from './view.js';

const clock = (): number => 1_700_000_000_000;

function describeLayer(layer: Layer): string {
  return layer
    .entries()
    .map((e) => `  ${e.type} ${e.path}${e.target !== undefined ? ` -> ${e.target}` : ''}`)
    .join('\n');
}

export async function checkRestorePreservesView(
  inputs: readonly (readonly LayerEntryInput[])[],
  ops: readonly FsOp[],
  options: OverlayOptions,
): Promise<void> {
  const lowers = buildStack(inputs);
  const first = new Overlay({ ...options, lowers, clock });
  for (const op of ops) runOp(fsOf(first), '', op);
  const upper = first.commitSync();
  const saved = await Layer.fromTar(upper.toTar());
  const second = new Overlay({ ...options, lowers, upper: saved, clock });
  const story = `after:\n${ops.map((op) => JSON.stringify(op)).join('\n')}\nsaved upper:\n${describeLayer(upper)}`;

  const [mine, again] = normaliseCommitted(viewOf(first), viewOf(second), options.index === true);
  const diff = diffTrees(mine, again);
  expect(diff, `the restored mount shows another view ${story}\n${explainDiff(diff, mine, again, ['mount', 'restored'])}`).toEqual([]);
  expect(second.diff(), `the restored mount reports other changes ${story}`).toEqual(first.diff());
  const recommitted = second.commitSync();
  expect(recommitted.diffId, `committing the restored mount gives another layer ${story}\nrecommitted:\n${describeLayer(recommitted)}`).toBe(upper.diffId);
}

export function assertRestorePreservesView(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkRestorePreservesView, stackArb, opsArb, options, numRuns);
}
