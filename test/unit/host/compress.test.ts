import { randomBytes } from 'node:crypto';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzip, nodeCompression, uncompressed } from '../../../src/host/index.js';
import { webCompression } from '../../../src/store/index.js';

/** Compressible, but not trivially: text with random runs, as a rootfs has. */
function sample(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const noise = randomBytes(size);
  for (let i = 0; i < size; i++) out[i] = i % 7 === 0 ? noise[i]! : 97 + ((i * 31) % 26);
  return out;
}

describe('layer compression in chunks', () => {
  // Digests of stored layers must not change: the chunked gzip writes what the one-call gzip
  // wrote before (same level, no flush before the end).
  it.each([0, 1, 65_535, 1 << 20, (1 << 20) + 1, 5 * (1 << 20) + 12_345])('gzip of %i bytes is byte-identical to gzipSync', async (size) => {
    const input = sample(size);
    const expected = gzipSync(input, { level: constants.Z_DEFAULT_COMPRESSION });
    expect(Buffer.from(await gzip(input)).equals(expected)).toBe(true);
  });

  it('gzip of a tar given as chunks of any sizes is byte-identical to gzipSync of their concatenation', async () => {
    const whole = sample(3 * (1 << 20) + 999);
    const cuts = [0, 1, 513, 1024, 70_000, 1 << 20, (1 << 20) + 5, 2 * (1 << 20) + 17, whole.length];
    const chunks = cuts.slice(1).map((end, i) => whole.subarray(cuts[i]!, end));
    const expected = gzipSync(whole, { level: constants.Z_DEFAULT_COMPRESSION });
    expect(Buffer.from(await gzip(chunks)).equals(expected)).toBe(true);
    expect(Buffer.from(await gzip(chunks.values())).equals(expected)).toBe(true);
    expect(Buffer.from(await webCompression.gunzip(await webCompression.gzip(chunks))).equals(Buffer.from(whole))).toBe(true);
  });

  it('gunzip in chunks gives back the input, and agrees with the sync and web decoders', async () => {
    const input = sample(3 * (1 << 20) + 7);
    const blob = await nodeCompression.gzip(input);
    expect(Buffer.from(await nodeCompression.gunzip(blob)).equals(Buffer.from(input))).toBe(true);
    expect(Buffer.from(uncompressed(blob)).equals(Buffer.from(input))).toBe(true);
    expect(Buffer.from(await webCompression.gunzip(blob)).equals(Buffer.from(input))).toBe(true);
  });

  it('corrupt gzip data is rejected', async () => {
    const blob = await gzip(sample(100_000));
    const bad = blob.slice(0, blob.length - 20);
    await expect(nodeCompression.gunzip(bad)).rejects.toThrow();
  });

  it('leaves the event loop free while it works', async () => {
    const input = sample(16 * (1 << 20));
    let turns = 0;
    const timer = setInterval(() => turns++, 5);
    await gzip(input);
    clearInterval(timer);
    expect(turns).toBeGreaterThan(2);
  });
});

describe('layer compression as streams', () => {
  async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const out: Uint8Array[] = [];
    for await (const c of chunks) out.push(c);
    return Buffer.concat(out);
  }
  const whole = sample(3 * (1 << 20) + 999);
  const cuts = [0, 1, 513, 70_000, (1 << 20) + 5, whole.length];
  const pieces = cuts.slice(1).map((end, i) => whole.subarray(cuts[i]!, end));
  async function* slowly(): AsyncGenerator<Uint8Array> {
    for (const p of pieces) {
      await new Promise((r) => setTimeout(r, 1));
      yield p;
    }
  }

  it.each([
    ['node', nodeCompression],
    ['web', webCompression],
  ] as const)('%s gunzipStream undoes gzipStream', async (_name, compression) => {
    const streamed = await collect(compression.gzipStream(slowly()));
    expect((await collect(compression.gunzipStream([streamed.subarray(0, 10), streamed.subarray(10)]))).equals(Buffer.from(whole))).toBe(true);
  });

  // parallelGzip.ts: blocks cut at fixed offsets, so the bytes depend on the input alone.
  it.each([0, 1, 1 << 20, (1 << 20) + 1, 3 * (1 << 20)])('node gzipStream of %i bytes is one gzip member any reader reads, the same however the input is cut', async (size) => {
    const input = sample(size);
    const whole1 = await collect(nodeCompression.gzipStream([input]));
    const cut = [input.subarray(0, size >> 2), input.subarray(size >> 2, size >> 1), input.subarray(size >> 1)];
    expect((await collect(nodeCompression.gzipStream(cut))).equals(whole1)).toBe(true);
    expect(Buffer.from(gunzipSync(whole1)).equals(Buffer.from(input))).toBe(true);
    expect(Buffer.from(await webCompression.gunzip(whole1)).equals(Buffer.from(input))).toBe(true);
    // Within 1% (plus the flush markers) of a one-thread deflate at the same level (1).
    expect(whole1.length).toBeLessThanOrEqual(gzipSync(input, { level: 1 }).length * 1.01 + 64);
  });

  it.each([
    ['node', nodeCompression],
    ['web', webCompression],
  ] as const)('%s gunzipStream of corrupt data throws while iterating', async (_name, compression) => {
    const blob = Buffer.from(gzipSync(whole));
    blob[blob.length >> 1] ^= 0xff;
    await expect(collect(compression.gunzipStream([blob]))).rejects.toThrow();
  });
});
