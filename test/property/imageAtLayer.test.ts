/**
 * Law: `IMAGE@N` is the image as it was after layer N, the same as mounting layers 0..N alone,
 * and `IMAGE@stepS` the same as mounting the layers of history steps 0..S. The view is opened
 * as every read verb of the CLI opens it (src/app/views.ts openView, through a store), and
 * compared with `new Overlay` of the first layers, path by path (type, mode, owner, size, links,
 * content, symlink target, hard-link groups).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openView, viewLayers } from '../../src/app/index.js';
import { imageConfig, type ImageConfig } from '../../src/image/index.js';
import { Layer } from '../../src/layer/index.js';
import { Overlay } from '../../src/overlay/index.js';
import { Store, memoryBackend } from '../../src/store/index.js';
import { diffTrees, layerStack } from '../../src/testing/index.js';
import { runs, seedLabel } from './support/config.js';
import { explainDiff, viewOf } from './laws/view.js';

const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const clock = (): number => Date.parse(spec.created);

/** The config with an empty-layer step (`ENV`, `CMD`) after the layers `emptyAfter` names. */
function withEmptySteps(config: ImageConfig, emptyAfter: readonly boolean[]): ImageConfig {
  const history = (config.history ?? []).flatMap((entry, i) =>
    emptyAfter[i] === true ? [entry, { created: spec.created, created_by: `/bin/sh -c #(nop)  ENV STEP=${i}`, empty_layer: true }] : [entry],
  );
  return { ...config, history };
}

describe(`IMAGE@N laws (${seedLabel()})`, () => {
  it('IMAGE@N and IMAGE@stepS, opened as the CLI opens them, equal mounting the layers up to there', async () => {
    await fc.assert(
      fc.asyncProperty(layerStack({ maxLayers: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), async (stack, emptyAfter) => {
        const layers = stack.map((entries, i) => Layer.fromEntries(entries, { history: { createdBy: `RUN step ${i}` } }));
        const store = await Store.openBackend(memoryBackend(), { clock });
        await store.addImage({ config: withEmptySteps(imageConfig(spec, layers), emptyAfter), layers, names: ['img:1'] });
        // Steps counted as `overlay history` counts them, base first: layer i's step, then its empty step.
        let step = 0;
        for (let n = 0; n < layers.length; n++) {
          const expected = viewOf(new Overlay({ lowers: layers.slice(0, n + 1), clock }));
          const steps = emptyAfter[n] === true ? [step, step + 1] : [step];
          step += steps.length;
          for (const target of [`img:1@${n}`, ...steps.map((s) => `img:1@step${s}`)]) {
            const view = await openView(store, target, { clock });
            expect(view.layer).toBe(n);
            expect(viewLayers(view).layers).toHaveLength(n + 1);
            const actual = viewOf(view.overlay);
            const diff = diffTrees(expected, actual);
            expect(diff, `${target}: ${explainDiff(diff, expected, actual, ['layers 0..N', target])}`).toEqual([]);
          }
        }
        await expect(openView(store, `img:1@${layers.length}`)).rejects.toThrow(`the image has ${layers.length} layer`);
      }),
      runs(60),
    );
  });
});
