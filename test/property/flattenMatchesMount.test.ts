/** Property (d): flatten(stack) shows the same view as mounting the stack. */
import { describe, it } from 'vitest';
import { layerStack } from '../../src/testing/index.js';
import { assertFlattenMatchesMount } from './laws/index.js';
import { seedLabel } from './support/config.js';

describe(`flatten matches the mounted stack (${seedLabel()})`, () => {
  it('same view, and flatten is idempotent', () => {
    assertFlattenMatchesMount(layerStack(), 300);
  });
});
