/**
 * The laws again with names beyond ASCII (`UTF8_NAMES`: characters of 2, 3 and 4 bytes in
 * UTF-8, names of exactly 255 and 256 bytes), in all four modes. NAME_MAX counts bytes
 * (include/uapi/linux/limits.h), which the ASCII default names never tell apart from UTF-16
 * units; the flat reference measures names in bytes too, and is checked against this machine's
 * kernel with the same names in flatReference.test.ts.
 */
import { describe, it } from 'vitest';
import { UTF8_NAMES, fsOps, layerStack } from '../../src/testing/index.js';
import {
  assertAgreesWithFlatReference,
  assertCommitPreservesView,
  assertFlattenMatchesMount,
  assertLowersUnchanged,
  assertRestorePreservesView,
  assertVolumeRoundTrip,
} from './laws/index.js';
import { assertExplainAgreesWithStat } from './laws/explainAgreesWithStat.js';
import { assertLookupAgreement } from './laws/lookupAgreement.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

const STACK = layerStack({ names: UTF8_NAMES });
const OPS = fsOps({ names: UTF8_NAMES, maxLength: 16 });

describe(`non-ASCII names and names of 255 and 256 bytes (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(`${mode.name}: overlay vs flat reference`, () => assertAgreesWithFlatReference(STACK, OPS, mode.options, 60));
    it(`${mode.name}: commit preserves the view`, () => assertCommitPreservesView(STACK, OPS, mode.options, 40));
    it(`${mode.name}: restore preserves the view`, () => assertRestorePreservesView(STACK, OPS, mode.options, 30));
    it(`${mode.name}: lower layers never change`, () => assertLowersUnchanged(STACK, OPS, mode.options, 20));
    it(`${mode.name}: memfs volume round trip`, () => assertVolumeRoundTrip(STACK, OPS, mode.options, 20));
    it(`${mode.name}: fast read path agrees with the general lookup`, () => assertLookupAgreement(STACK, OPS, mode.options, 40));
    it(`${mode.name}: explain agrees with stat`, () => assertExplainAgreesWithStat(STACK, OPS, mode.options, 40));
  }
  it('flatten shows the mount', () => assertFlattenMatchesMount(STACK, 40));
});
