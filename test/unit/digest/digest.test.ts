import { describe, expect, it } from 'vitest';
import { chainId, chainIds, findNativeSha256, nobleSha256, sha256Digest } from '../../../src/digest/index.js';

describe('chainId', () => {
  it('matches the reference test vector (OCI image-spec identity/chainid_test.go)', () => {
    expect(chainId(['sha256:a', 'sha256:b'])).toBe('sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8');
  });

  it('of one layer is its diffId, and chainIds gives every prefix', () => {
    const d = ['sha256:a', 'sha256:b', 'sha256:c'];
    expect(chainId([d[0]!])).toBe('sha256:a');
    expect(chainIds(d)).toEqual([chainId(d.slice(0, 1)), chainId(d.slice(0, 2)), chainId(d)]);
  });
});

describe('sha256', () => {
  it('native and noble agree on known vectors and on chunked input', () => {
    const native = findNativeSha256();
    expect(native).toBeDefined();
    const abc = new TextEncoder().encode('abc');
    const want = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Digest(abc, nobleSha256)).toBe(want);
    expect(sha256Digest(abc, native!)).toBe(want);
    const big = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    const chunks = [big.subarray(0, 1), big.subarray(1, 70_000), big.subarray(70_000)];
    expect(sha256Digest(chunks, nobleSha256)).toBe(sha256Digest(big, native!));
  });
});
