/** Property: saving a container's upper by appending segments gives the layer saved whole (src/store/upperLog.ts). */
import { describe, it } from 'vitest';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { LONG_OPS, LONG_STACK } from './support/long.js';
import { assertAppendedUpperMatchesWhole } from './laws/index.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

describe(`an upper saved by appending matches one saved whole (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      await assertAppendedUpperMatchesWhole(layerStack(), fsOps({ maxLength: 16 }), mode.options, 150);
    });
  }
  it('default, long sequences', async () => {
    await assertAppendedUpperMatchesWhole(LONG_STACK, LONG_OPS, {}, 100);
  });
});
