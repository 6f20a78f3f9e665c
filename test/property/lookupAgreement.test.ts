/**
 * Properties of the engine's one merge rule (engine/merge.ts), in all four modes: the fast read
 * path agrees with the general lookup on every path, and `explain` names as provider the layer
 * whose attributes `stat` shows.
 */
import { describe, it } from 'vitest';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { assertExplainAgreesWithStat } from './laws/explainAgreesWithStat.js';
import { assertLookupAgreement } from './laws/lookupAgreement.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';
import { LONG_OPS, LONG_STACK } from './support/long.js';

describe(`the fast read path agrees with the general lookup (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, () => assertLookupAgreement(layerStack(), fsOps({ maxLength: 16 }), mode.options, 100));
    it(`${mode.name}, long sequences`, () => assertLookupAgreement(LONG_STACK, LONG_OPS, mode.options, 30));
  }
});

describe(`explain agrees with stat (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, () => assertExplainAgreesWithStat(layerStack(), fsOps({ maxLength: 16 }), mode.options, 100));
    it(`${mode.name}, long sequences`, () => assertExplainAgreesWithStat(LONG_STACK, LONG_OPS, mode.options, 50));
  }
});
