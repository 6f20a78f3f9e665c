/** Property: a mount from the store's layer indexes (lazy file data) shows what a whole in-memory mount shows, in all four modes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import type { LayerEntryInput } from '../../src/index.js';
import { fsOps, layerStack } from '../../src/testing/index.js';
import { assertLazyMountMatchesFull } from './laws/lazyMountMatchesFull.js';
import { MODES } from './laws/view.js';
import { seedLabel } from './support/config.js';

const root = mkdtempSync(join(tmpdir(), 'overlay-lazy-law-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * `layerStack()` with what it leaves constant varied: some entries get xattrs and their own
 * mtime, which an index must carry (they show in the DiffID, not in the view).
 */
const decoratedStack: fc.Arbitrary<LayerEntryInput[][]> = fc.tuple(layerStack(), fc.nat()).map(([stack, salt]) =>
  stack.map((layer, l) =>
    layer.map((entry, i) => {
      if (entry.type === 'hardlink' || entry.type === 'whiteout') return entry;
      const k = (salt + l * 7 + i * 13) % 5;
      return {
        ...entry,
        ...(k === 0 ? { xattrs: { 'user.k': `v${i}`, 'trusted.t': '' } } : {}),
        ...(k <= 1 ? { mtime: 1_000_000_000_000 + k * 1000 + i } : {}),
      };
    }),
  ),
);

describe(`the indexed, lazy mount matches the whole mount (${seedLabel()})`, () => {
  for (const mode of MODES) {
    it(mode.name, async () => {
      await assertLazyMountMatchesFull(root, decoratedStack, fsOps({ maxLength: 16 }), mode.options, 30);
    });
  }
});
