/** Property: an upper layer saved by commit and restored onto the same lowers continues the mount, in all four modes. */
import { describe, it } from 'vitest';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { LONG_OPS, LONG_STACK } from './support/long.js';
import { assertRestorePreservesView } from './laws/index.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

describe(`restore preserves the view (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      await assertRestorePreservesView(layerStack(), fsOps({ maxLength: 16 }), mode.options, 150);
    });
    it(`${mode.name}, long sequences`, async () => {
      await assertRestorePreservesView(LONG_STACK, LONG_OPS, mode.options, 100);
    });
  }
});
