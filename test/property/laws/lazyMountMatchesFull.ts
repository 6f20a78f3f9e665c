/**
 * Law: a layer is read once, when it enters the store. Layers stored on disk and mounted by
 * another store instance (as the next process would: from the layer indexes, file data read on
 * demand from the data packs) show exactly what the same layers mounted whole in memory show,
 * before and after any ops, in every mount mode; both mounts report the same changes, commit
 * to the same layer, and the indexed layers have the DiffIDs of the originals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Overlay, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { nodeCompression, openDiskBackend } from '../../../src/host/index.js';
import { imageConfig } from '../../../src/image/index.js';
import { Store } from '../../../src/store/index.js';
import { runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { diffTrees, explainDiff, fsOf, viewOf } from './view.js';

const clock = (): number => 1_700_000_000_000;
const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const storeOptions = { clock, platform: { os: 'linux', architecture: 'amd64' }, compression: nodeCompression };

export async function checkLazyMountMatchesFull(
  root: string,
  inputs: readonly (readonly LayerEntryInput[])[],
  ops: readonly FsOp[],
  options: OverlayOptions,
): Promise<void> {
  const full = buildStack(inputs);
  const dir = mkdtempSync(join(root, 'store-'));
  try {
    const first = await Store.openBackend(openDiskBackend(dir), storeOptions);
    await first.addImage({ config: imageConfig(spec, full), layers: full, names: ['law:1'] });
    // A second instance knows only what is on disk, as the next command would.
    const second = await Store.openBackend(openDiskBackend(dir), storeOptions);
    const lazy = await second.layers(second.resolveImage('law:1'));

    const whole = new Overlay({ ...options, lowers: full, clock });
    const indexed = new Overlay({ ...options, lowers: lazy, clock });
    const before = diffTrees(viewOf(whole), viewOf(indexed));
    expect(before, `the indexed mount shows another view\n${explainDiff(before, viewOf(whole), viewOf(indexed), ['whole', 'indexed'])}`).toEqual([]);

    const story = `after:\n${ops.map((op) => JSON.stringify(op)).join('\n')}`;
    for (const op of ops) {
      const expected = runOp(fsOf(whole), '', op);
      expect(runOp(fsOf(indexed), '', op), `${JSON.stringify(op)} gives another outcome on the indexed mount`).toEqual(expected);
    }
    const after = diffTrees(viewOf(whole), viewOf(indexed));
    expect(after, `the indexed mount shows another view ${story}\n${explainDiff(after, viewOf(whole), viewOf(indexed), ['whole', 'indexed'])}`).toEqual([]);
    expect(indexed.diff(), `the indexed mount reports other changes ${story}`).toEqual(whole.diff());
    expect(indexed.commitSync().diffId, `committing the indexed mount gives another layer ${story}`).toBe(whole.commitSync().diffId);
    expect(lazy.map((l) => l.diffId)).toEqual(full.map((l) => l.diffId));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function assertLazyMountMatchesFull(
  root: string,
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw((inputs, ops, o) => checkLazyMountMatchesFull(root, inputs, ops, o), stackArb, opsArb, options, numRuns);
}
