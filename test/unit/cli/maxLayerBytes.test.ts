import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { maxLayerBytes } from '../../../src/cli/context.js';

describe('OVERLAY_MAX_LAYER_SIZE', () => {
  it('reads bytes and k, M, G, T sizes (powers of 1024), and defaults to half of memory', () => {
    expect(maxLayerBytes('123')).toBe(123);
    expect(maxLayerBytes('500M')).toBe(500 * 1024 ** 2);
    expect(maxLayerBytes('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(maxLayerBytes('2GiB')).toBe(2 * 1024 ** 3);
    expect(maxLayerBytes('1T')).toBe(1024 ** 4);
    expect(maxLayerBytes(undefined)).toBe(Math.floor(totalmem() / 2));
    expect(maxLayerBytes('')).toBe(Math.floor(totalmem() / 2));
  });

  it('refuses anything else as a usage error', () => {
    for (const bad of ['lots', '-1G', '1X', 'G']) expect(() => maxLayerBytes(bad)).toThrow(/must be a size like 8G or 500M/);
  });
});
