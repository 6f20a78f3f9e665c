import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../src/layer/index.js';
import { parallelGzip } from '../../../src/host/parallelGzip.js';
import { demoOsTar } from '../../../src/cli/index.js';
import { blockGzip, crc32 } from '../../../src/web/host/gzip.js';

async function all(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of chunks) parts.push(part);
  return concatBytes(parts);
}

/** Text-like bytes a deflate finds matches in, with a PRNG's noise mixed in (a seed per size). */
function sample(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  const words = ['usr/', 'lib/', 'bin/', 'etc/', 'share/', 'doc/', '\0\0\0\0', 'ustar', '0000644', 'root'];
  let x = seed;
  for (let i = 0; i < size; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    if (x % 7 === 0) out[i++] = x >>> 24;
    else for (const c of words[x % words.length]!) if (i < size) out[i++] = c.charCodeAt(0);
  }
  return out;
}

describe("the page's gzip (pako 3 in the CLI's blocks)", () => {
  it('writes the bytes the CLI writes (src/host/parallelGzip.ts), so blob digests agree', async () => {
    const inputs = [new Uint8Array(0), new TextEncoder().encode('hello\n'), demoOsTar(1_704_067_200_000), sample(1 << 20, 1), sample((2 << 20) + 12345, 2)];
    for (const input of inputs) {
      // Fed in odd pieces: the blocks are cut at fixed offsets however the input arrives.
      const pieces = [input.subarray(0, 1000), input.subarray(1000, 700_000), input.subarray(700_000)];
      const page = await all(blockGzip(pieces));
      const cli = await all(parallelGzip([input]));
      expect(Buffer.from(page).equals(Buffer.from(cli)), `${input.length} bytes`).toBe(true);
      expect(Buffer.from(gunzipSync(page)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('computes CRC-32 as zlib does, continued across pieces', async () => {
    const { crc32: nodeCrc } = await import('node:zlib');
    const bytes = sample(100_000, 3);
    expect(crc32(bytes.subarray(40_000), crc32(bytes.subarray(0, 40_000)))).toBe(nodeCrc(bytes));
  });
});
