/** Property (c): lower layers are never modified by ops on a mount over them, nor by commit. */
import { describe, it } from 'vitest';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { assertLowersUnchanged } from './laws/index.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

describe(`lower layers never change (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      await assertLowersUnchanged(layerStack(), fsOps({ maxLength: 16 }), mode.options, 50);
    });
  }
});
