/**
 * Dive's numbers on dive's own example: its CI snapshot
 * (cmd/dive/cli/testdata/snapshots/cli_ci_test.snap, "Test_CI_Fail") shows 131 wasted bytes,
 * 71.98 % user-wasted and efficiency 100.00 %, with this list of inefficient files.
 */
import { describe, expect, it } from 'vitest';
import { diveMetrics } from '../../../src/analysis/index.js';
import { diveExampleLayers } from './diveFixture.js';

describe('dive metrics (dive/filetree/efficiency.go)', () => {
  it("reproduce dive's CI snapshot of image-multi-layer-dockerfile", () => {
    const m = diveMetrics(diveExampleLayers());
    expect(m.wastedBytes).toBe(131);
    expect(m.userBytes).toBe(182);
    expect((m.userWastedPercent * 100).toFixed(2)).toBe('71.98');
    expect((m.efficiency * 100).toFixed(2)).toBe('100.00');
    expect(m.inefficiencies).toEqual([
      { path: '/root/saved.txt', count: 3, cumulativeBytes: 80 },
      { path: '/root/example/somefile1.txt', count: 2, cumulativeBytes: 34 },
      { path: '/root/example/somefile3.txt', count: 2, cumulativeBytes: 17 },
      { path: '/etc', count: 10, cumulativeBytes: 0 },
      { path: '/root', count: 2, cumulativeBytes: 0 },
    ]);
  });

  it("follows dive/filetree/efficiency_test.go's example: a path in two layers weighs both copies", async () => {
    const { Layer } = await import('../../../src/layer/index.js');
    const a = Layer.fromEntries([
      { path: '/etc/nginx/nginx.conf', type: 'file', content: new Uint8Array(2000) },
      { path: '/etc/nginx/public', type: 'file', content: new Uint8Array(3000) },
    ]);
    const b = Layer.fromEntries([
      { path: '/etc/nginx/nginx.conf', type: 'file', content: new Uint8Array(5000) },
      { path: '/etc/athing', type: 'file', content: new Uint8Array(10000) },
    ]);
    const m = diveMetrics([a, b]);
    expect(m.inefficiencies).toEqual([{ path: '/etc/nginx/nginx.conf', count: 2, cumulativeBytes: 7000 }]);
    expect(m.efficiency).toBeCloseTo(15000 / 20000, 12);
  });
});
