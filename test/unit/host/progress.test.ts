import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes } from '../../../src/host/index.js';

describe('progress', () => {
  it('draws a bar on a terminal and erases it at the end', () => {
    const out: string[] = [];
    let t = 0;
    const p = createProgress({ write: (s) => out.push(s), isTTY: true, columns: 80 }, 'saving', 1000, { now: () => (t += 200) });
    p.tick(500);
    p.tick(500);
    p.done();
    expect(out[0]).toMatch(/^\rsaving \[#+\.+\]  50% 500B\/1.00kB/);
    expect(out[1]).toMatch(/100%/);
    expect(out.at(-1)).toBe('\r\x1b[K');
  });

  it('draws nothing off a terminal', () => {
    const out: string[] = [];
    const p = createProgress({ write: (s) => out.push(s), isTTY: false }, 'x', 10);
    p.tick(10);
    p.done();
    expect(out).toEqual([]);
  });

  it('formats sizes like Docker', () => {
    expect([0, 999, 1000, 1536, 12_345_678, 5e9].map(formatBytes)).toEqual(['0B', '999B', '1.00kB', '1.54kB', '12.3MB', '5.00GB']);
  });
});
