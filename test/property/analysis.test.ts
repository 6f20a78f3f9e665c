/**
 * Laws of layer analysis: the corrected wasted bytes are exactly the bytes present in some
 * layer but not visible in the merged view at the top, counted with the mount itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeLayers } from '../../src/analysis/index.js';
import { Layer } from '../../src/layer/index.js';
import { Overlay } from '../../src/overlay/index.js';
import { layerStack } from '../../src/testing/index.js';
import { runs, seedLabel } from './support/config.js';

/** Bytes of the files the mount shows, each object (inode) once. */
function visibleBytes(overlay: Overlay): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (dir: string): void => {
    for (const name of overlay.fs.readdirSync(dir) as string[]) {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const st = overlay.fs.lstatSync(path)!;
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  walk('/');
  return total;
}

describe(`layer analysis laws (${seedLabel()})`, () => {
  it('corrected wasted bytes = bytes in some layer but not visible at the top', () => {
    fc.assert(
      fc.property(layerStack({ maxLayers: 5 }), (stack) => {
        const layers = stack.map((entries) => Layer.fromEntries(entries));
        const total = layers.reduce((sum, l) => sum + l.size, 0);
        const a = analyzeLayers({ layers });
        expect(a.totalBytes).toBe(total);
        expect(a.corrected.wastedBytes).toBe(total - visibleBytes(new Overlay({ lowers: layers })));
        expect(a.corrected.inefficiencies.reduce((sum, i) => sum + i.wastedBytes, 0)).toBe(a.corrected.wastedBytes);
      }),
      runs(300),
    );
  });
});
