/** Property (b): a commit stacked on the same lowers shows exactly the mount's view, in all four modes. */
import { describe, it } from 'vitest';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { LONG_OPS, LONG_STACK } from './support/long.js';
import { assertCommitPreservesView } from './laws/index.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

describe(`commit preserves the view (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      await assertCommitPreservesView(layerStack(), fsOps({ maxLength: 16 }), mode.options, 150);
    });
    it(`${mode.name}, long sequences`, async () => {
      await assertCommitPreservesView(LONG_STACK, LONG_OPS, mode.options, 100);
    });
  }
});
