/** The memfs converters (overlay/memfs) keep views: layer → volume → layer, and mount → volume → layer. */
import { describe, it } from 'vitest';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { assertVolumeRoundTrip } from './laws/index.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

describe(`memfs round trips keep the view (${seedLabel()})`, () => {
  for (const mode of [MODES[0]!, MODES[2]!]) {
    it(mode.name, () => assertVolumeRoundTrip(layerStack(), fsOps({ maxLength: 12 }), mode.options, 100));
  }
});
