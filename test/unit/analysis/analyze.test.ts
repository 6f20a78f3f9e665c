/** `analyzeLayers`: per-layer effects, the corrected waste and its explanations, the base. */
import { describe, expect, it } from 'vitest';
import { analyzeLayers, baseLayers } from '../../../src/analysis/index.js';
import type { ImageConfig } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import { DIVE_STEPS, diveExampleLayers } from './diveFixture.js';

describe('analyzeLayers', () => {
  it("corrects dive's numbers on dive's example: surviving copies and files deleted with their directory", () => {
    const a = analyzeLayers({ layers: diveExampleLayers(), createdBy: DIVE_STEPS });
    expect(a.dive.wastedBytes).toBe(131);
    // Six hidden copies of 17 bytes; the surviving /root/saved.txt (46 bytes) is not waste.
    expect(a.corrected.wastedBytes).toBe(102);
    expect(a.corrected.userWastedBytes).toBe(102);
    expect((a.corrected.userWastedPercent * 100).toFixed(2)).toBe('56.04');
    expect(a.corrected.inefficiencies.map((i) => [i.path, i.files, i.wastedBytes, i.layers])).toEqual([
      ['/root/example', 2, 34, [4, 5, 11]],
      ['/root/saved.txt', 2, 34, [7, 9, 12]],
      ['/root/example/somefile1.txt', 1, 17, [3, 4]],
      ['/root/example/somefile3.txt', 1, 17, [6, 7]],
    ]);
    expect(a.corrected.inefficiencies[0]!.why).toBe(
      'written in layer 4 (RUN chmod 444 /root/example/somefile1.txt), written in layer 5 (RUN cp /somefile.txt /root/example/somefile2.txt), deleted with its directory in layer 11 (RUN rm -rf /root/example/)',
    );
    expect(a.corrected.inefficiencies[3]!.why).toBe('written in layer 6 (RUN cp /somefile.txt /root/example/somefile3.txt), deleted in layer 7 (RUN mv /root/example/somefile3.txt /root/saved.txt)');
  });

  it('counts added, changed, deleted and opaque per layer; mtime alone is no change', () => {
    const base = Layer.fromEntries([
      { path: '/a', type: 'file', content: 'x', mtime: 1000 },
      { path: '/b', type: 'file', content: 'y' },
      { path: '/c', type: 'file', content: 'z' },
      { path: '/d/e', type: 'file', content: 'w' },
    ]);
    const top = Layer.fromEntries([
      { path: '/a', type: 'file', content: 'x', mtime: 9000 },
      { path: '/b', type: 'file', content: 'Y' },
      { path: '/c', type: 'file', content: 'z', mode: 0o600 },
      { path: '/d', type: 'opaque' },
      { path: '/gone', type: 'whiteout' },
      { path: '/new', type: 'file', content: 'n' },
    ]);
    const a = analyzeLayers({ layers: [base, top] });
    expect(a.layers[1]).toMatchObject({ added: 1, changed: 2, deleted: 0, opaque: 1 });
    expect(a.effects[1]!.unchanged).toEqual(['/a', '/d']);
    // The file the opaque directory hides is waste; dive drops opaque markers and misses it.
    expect(a.corrected.inefficiencies.find((i) => i.path === '/d')?.why).toBe('written in layer 0, hidden by an opaque directory in layer 1');
    expect(a.dive.inefficiencies.map((i) => i.path)).not.toContain('/d/e');
  });

  it('leaves waste lying entirely inside the base out of the user-wasted bytes, and counts what a user layer hid', () => {
    const layers = [
      Layer.fromEntries([{ path: '/base/tmp', type: 'file', content: 'b'.repeat(10) }, { path: '/base/kept', type: 'file', content: 'k'.repeat(20) }]),
      Layer.fromEntries([{ path: '/base/tmp', type: 'whiteout' }]),
      Layer.fromEntries([{ path: '/base/kept', type: 'whiteout' }, { path: '/app', type: 'file', content: 'a'.repeat(40) }]),
    ];
    const a = analyzeLayers({ layers, baseCount: 2 });
    // 10 bytes written and deleted inside the base, 20 bytes of the base deleted by the user.
    expect(a.corrected.wastedBytes).toBe(30);
    expect(a.corrected.userWastedBytes).toBe(20);
    expect(a.corrected.userWastedPercent).toBe(20 / 40);
    expect(analyzeLayers({ layers, baseCount: 1 }).corrected.userWastedBytes).toBe(30);
  });

  it('finds the FROM image in the history, else takes the first layer', () => {
    const config = (history: { created_by: string; empty_layer?: boolean }[], layers: number): ImageConfig =>
      ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: Array.from({ length: layers }, (_, i) => `sha256:${String(i).padStart(64, '0')}`) }, history }) as ImageConfig;
    const debianApp = config(
      [
        { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
        { created_by: '/bin/sh -c #(nop) ADD file:def in /usr ' },
        { created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
        { created_by: 'RUN /bin/sh -c apt-get install -y curl' },
        { created_by: 'CMD ["curl"]', empty_layer: true },
      ],
      3,
    );
    expect(baseLayers(debianApp)).toEqual({ count: 2, source: 'history', step: 2, line: '/bin/sh -c #(nop)  CMD ["bash"]' });
    expect(baseLayers(config([{ created_by: 'import' }, { created_by: 'commit' }], 2))).toEqual({ count: 1, source: 'first-layer' });
  });
});
