/**
 * The analysis over layer columns (src/analysis: stackRows.ts, stackWalk.ts, diveMetrics.ts)
 * gives what the tree-and-node version it replaced gave (test/unit/analysis/reference/, kept
 * as the model: it builds dive's trees node by node and keeps the merged view with a map of
 * children), on random stacks:
 *
 * - names that sort between a directory and the paths below it (`a-`, `a.` before `a/`), so
 *   a directory's subtree is not next to it in a layer's byte order;
 * - whiteouts of paths the layers below lack, which end dive's visit of a layer;
 * - layers made from entries, and the same layers decoded from the store's index (the
 *   columns the store reads without building nodes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeLayers } from '../../src/analysis/index.js';
import { sha256Digest } from '../../src/digest/index.js';
import { Layer, concatBytes, type LayerEntryInput, type PositionedReader } from '../../src/layer/index.js';
import { checkLayerIndex, decodeLayerIndex, encodeLayerIndex } from '../../src/store/index.js';
import { layerStack } from '../../src/testing/index.js';
import { analyzeLayers as referenceAnalysis } from '../unit/analysis/reference/analyze.js';
import { runs, seedLabel } from './support/config.js';

const NAMES = ['a', 'a-', 'a.', 'b'];

/** The stack with whiteouts of arbitrary paths added (valid in their layer or dropped). */
const stackWithStrayWhiteouts = fc
  .tuple(
    layerStack({ maxLayers: 5, names: NAMES, maxEntriesPerLayer: 8 }),
    fc.array(fc.tuple(fc.nat(5), fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 })), { maxLength: 4 }),
  )
  .map(([stack, strays]) => {
    const out = stack.map((entries) => [...entries]);
    for (const [at, names] of strays) {
      const layer = out[at % out.length]!;
      const path = `/${names.join('/')}`;
      if (layer.some((e) => e.path === path || e.path.startsWith(`${path}/`) || path.startsWith(`${e.path}/`))) continue;
      layer.push({ path, type: 'whiteout' });
    }
    return out;
  });

function fromIndex(layer: Layer): Layer {
  const key = { blob: sha256Digest(new TextEncoder().encode('blob')), diffId: layer.diffId };
  const encoded = encodeLayerIndex(layer, key, layer.tarSize);
  const pack = concatBytes([...encoded.pack()]);
  const reader: PositionedReader = { read: (position, length) => pack.slice(position, position + length) };
  return decodeLayerIndex(checkLayerIndex(encoded.bytes, key)!, reader)!;
}

describe(`analysis over columns (${seedLabel()})`, () => {
  it('equals the node-by-node model, for layers from entries and from the store index', () => {
    fc.assert(
      fc.property(stackWithStrayWhiteouts, (stack: LayerEntryInput[][]) => {
        const layers = stack.map((entries) => Layer.fromEntries(entries));
        const expected = referenceAnalysis({ layers });
        expect(analyzeLayers({ layers })).toEqual(expected);
        expect(analyzeLayers({ layers: layers.map(fromIndex) })).toEqual(expected);
      }),
      runs(300),
    );
  });
});
