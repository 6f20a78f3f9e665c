/**
 * Law: lower layers never change. Their `diffId`, a fresh digest of their tar bytes, their
 * `entries()` (content bytes included) and the view of a fresh mount of them are the same
 * before and after random ops on an overlay over them and a commit.
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Overlay, sha256Digest, type Layer, type LayerEntry, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { diffTrees, explainDiff, fsOf, viewOfStack } from './view.js';

interface Fingerprint {
  diffId: string;
  /** Digest of the tar written now (diffId is computed once and cached). */
  tar: string;
  entries: LayerEntry[];
}

function fingerprint(layer: Layer): Fingerprint {
  return { diffId: layer.diffId, tar: sha256Digest(layer.toTar()), entries: layer.entries() };
}

export async function checkLowersUnchanged(inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], options: OverlayOptions): Promise<void> {
  const lowers = buildStack(inputs);
  const before = lowers.map(fingerprint);
  const viewBefore = viewOfStack(lowers);
  const ov = new Overlay({ ...options, lowers });
  for (const op of ops) runOp(fsOf(ov), '', op);
  await ov.commit();
  const after = lowers.map(fingerprint);
  for (let i = 0; i < lowers.length; i++) {
    expect(after[i]!.tar, `layer ${i}: tar bytes changed`).toBe(before[i]!.tar);
    expect(after[i]!.diffId, `layer ${i}: diffId changed`).toBe(before[i]!.diffId);
    expect(after[i]!.entries, `layer ${i}: entries changed`).toEqual(before[i]!.entries);
  }
  expect(after[0]?.tar, 'the tar digest is the diffId').toBe(before[0]?.diffId);
  const viewAfter = viewOfStack(lowers);
  const diff = diffTrees(viewBefore, viewAfter);
  expect(diff, `a fresh mount of the lowers shows another view:\n${explainDiff(diff, viewBefore, viewAfter, ['before', 'after'])}`).toEqual([]);
}

export function assertLowersUnchanged(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkLowersUnchanged, stackArb, opsArb, options, numRuns);
}
