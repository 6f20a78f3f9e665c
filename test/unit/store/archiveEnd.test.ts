/**
 * Where a stored layer tar ends (issue 10, "Reading stops at the end-of-archive marker"): the
 * store reads a tar as far as the reader does, and what it keeps is what it hashed.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Layer } from '../../../src/layer/index.js';
import { rawTar } from '../layer/support/rawTar.js';
import { BACKENDS, openStore } from './backends.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const sha = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function* stream(parts: Uint8Array[], zeros = 0, counter = { read: 0 }): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    counter.read += part.length;
    yield part;
  }
  const chunk = new Uint8Array(MiB);
  for (let left = zeros; left > 0; left -= MiB) {
    const piece = left >= MiB ? chunk : chunk.subarray(0, left);
    counter.read += piece.length;
    yield piece;
  }
}

const withZeros = (tar: Uint8Array, zeros: number): Uint8Array => {
  const out = new Uint8Array(tar.length + zeros);
  out.set(tar);
  return out;
};

describe.each(BACKENDS)('a layer tar is stored as far as it is read ($name)', (setup) => {
  const tar = rawTar([{ name: 'etc/motd', data: 'hello\n' }]);

  /** The one blob of a store that holds one layer, gunzipped. */
  async function onlyLayerTar(place: ReturnType<typeof setup.place>): Promise<Uint8Array> {
    const blobs = place.backend().blobs;
    const [digest, ...more] = await blobs.list();
    expect(more).toEqual([]);
    const parts: Uint8Array[] = [];
    for await (const chunk of blobs.chunks(digest!)) parts.push(chunk);
    return gunzipSync(Buffer.concat(parts));
  }

  it('a plain tar with a few zeros after its marker (GNU record padding) is kept as given', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const padded = withZeros(tar, 10240 - tar.length + 512 * 20);
    const { diffId } = await store.storeLayerTar(stream([padded]));
    expect(diffId).toBe(sha(padded));
    expect(sha(await onlyLayerTar(place))).toBe(diffId);
  });

  it('a plain tar followed by 10 GiB of zeros is read to 1 MiB past its marker, and that much is stored', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const counter = { read: 0 };
    const { diffId, layer } = await store.storeLayerTar(stream([tar], 10 * GiB, counter));
    expect(counter.read).toBeLessThanOrEqual(tar.length + 3 * MiB);
    expect(layer.node('/etc/motd')?.kind).toBe('file');
    // Deterministic: the tar up to its marker and the 1 MiB of zeros checked after it.
    const kept = withZeros(tar, MiB);
    expect(diffId).toBe(sha(kept));
    expect(sha(await onlyLayerTar(place))).toBe(diffId);
    expect((await store.check()).clean).toBe(true);
  });

  it('a gzip tar that goes on past its marker is stored as its canonical tar, whose hash is its DiffID', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const gz = gzipSync(withZeros(tar, 3 * MiB), { level: 1 });
    const { diffId } = await store.storeLayerTar(stream([gz.subarray(0, 100), gz.subarray(100)]));
    expect(diffId).toBe((await Layer.fromTar(tar)).diffId);
    expect(sha(await onlyLayerTar(place))).toBe(diffId);
  });

  it('a gzip tar that ends within the checked zeros is kept byte for byte', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const plain = withZeros(tar, MiB - 1024);
    const { diffId } = await store.storeLayerTar(stream([gzipSync(plain)]));
    expect(diffId).toBe(sha(plain));
    expect(sha(await onlyLayerTar(place))).toBe(diffId);
  });
});
