/**
 * Law: a writable layer saved by appending is the one saved whole. Run a random op sequence
 * as the CLI does, one mount per op, twice: once saving the whole committed upper after each
 * op (a tar read back at the next mount), once appending only what the op changed as a
 * segment (src/store/upperLog.ts) and reading base + segments at the next mount. After every
 * op both give the same layer, byte for byte, and so the same diffId on commit.
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Layer, Overlay, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { upperChanges, upperSaved } from '../../../src/overlay/index.js';
import { applySegments, decodeSegment, encodeSegment, type UpperSegmentContent } from '../../../src/store/upperLog.js';
import { concatBytes } from '../../../src/layer/index.js';
import { runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { fsOf } from './view.js';

const clock = (): number => 1_700_000_000_000;

function describeLayer(layer: Layer): string {
  return layer
    .entries()
    .map((e) => `  ${e.type} ${e.path}${e.target !== undefined ? ` -> ${e.target}` : ''}${e.mode !== undefined ? ` ${e.mode.toString(8)}` : ''}`)
    .join('\n');
}

function linkCounts(layer: Layer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if (node.kind === 'file' || node.kind === 'symlink') out[path] = node.inode.nlink;
  }
  return out;
}

export async function checkAppendedUpperMatchesWhole(
  inputs: readonly (readonly LayerEntryInput[])[],
  ops: readonly FsOp[],
  options: OverlayOptions,
): Promise<void> {
  const lowers = buildStack(inputs);
  const empty = Layer.fromEntries([]);
  let whole = empty;
  const segments: UpperSegmentContent[] = [];
  for (let i = 0; i < ops.length; i++) {
    const mount = new Overlay({ ...options, lowers, upper: whole, clock });
    runOp(fsOf(mount), '', ops[i]!);
    whole = await Layer.fromTar(mount.commitSync().toTar());

    const appended = segments.length === 0 ? empty : applySegments(empty, segments, 'law');
    const next = new Overlay({ ...options, lowers, upper: appended, clock });
    runOp(fsOf(next), '', ops[i]!);
    const changes = upperChanges(next);
    if (changes === undefined) {
      // Modes whose commit reaches beyond the changed paths save whole (upperChanges.ts).
      expect(options.redirectDir === true || options.index === true || options.metacopy === true).toBe(true);
      return;
    }
    segments.push(await decodeSegment(concatBytes(encodeSegment(changes)), `segment ${i + 1}`));
    upperSaved(next);
    const reloaded = applySegments(empty, segments, 'law');
    const story = `after:\n${ops.slice(0, i + 1).map((op) => JSON.stringify(op)).join('\n')}\nsaved whole:\n${describeLayer(whole)}\nbase + segments:\n${describeLayer(reloaded)}\nlast segment: ${JSON.stringify(changes.changes)}`;
    expect(reloaded.entries(), `base + segments differ from the whole upper ${story}`).toEqual(whole.entries());
    expect(reloaded.diffId, `base + segments give another diffId ${story}`).toBe(whole.diffId);
    // A tar shows a hard link's group, not the count a restore gives each name: compare it too.
    expect(linkCounts(reloaded), `base + segments give other link counts ${story}`).toEqual(linkCounts(whole));
  }
}

export function assertAppendedUpperMatchesWhole(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkAppendedUpperMatchesWhole, stackArb, opsArb, options, numRuns);
}
