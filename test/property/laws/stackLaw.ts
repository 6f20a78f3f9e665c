import * as fc from 'fast-check';
import type { LayerEntryInput, OverlayOptions } from '../../../src/index.js';
import type { FsOp } from '../../../src/testing/index.js';
import { runs } from '../support/config.js';

/** A law over a layer stack and an operation sequence in one mount mode (sync or async). */
export type StackLaw = (inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], options: OverlayOptions) => void | Promise<void>;

/** Asserts `law` with fast-check over generated stacks and operation sequences. */
export function assertStackLaw(
  law: StackLaw,
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(stackArb, opsArb, async (inputs, ops) => law(inputs, ops, options)),
    runs(numRuns),
  );
}
