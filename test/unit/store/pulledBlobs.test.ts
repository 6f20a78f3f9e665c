/**
 * Layer blobs from a registry (ImageStore.storePulledLayer, ingest.ts storeLayerBlob): kept byte
 * for byte whatever their compression, so a pulled image keeps the manifest digest the registry
 * names it by (issue 15, "the pulled image keeps its manifest digest"); read back from the blob
 * when the caches are gone; a zstd blob only where the store decodes zstd.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openView, readFileAt } from '../../../src/app/index.js';
import { sha256Digest } from '../../../src/digest/index.js';
import { MediaTypes, descriptorOf, encodeJson, imageConfig } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import type { Store, StoreBackend } from '../../../src/store/index.js';
import { BACKENDS, openStore } from './backends.js';

const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const layer = Layer.fromEntries([
  { path: '/etc/motd', type: 'file', content: 'pulled\n' },
  { path: '/bin/tool', type: 'file', content: new Uint8Array(20_000).map((_, i) => i % 251), mode: 0o755 },
]);
const tar = layer.toTar();
const diffId = sha256Digest(tar);

/**
 * `bytes` as one zstd frame of raw blocks (RFC 8878, "Frame_Header", "Blocks": Block_Type 0),
 * which any decoder reads: Node 20 has no zstd encoder to make one.
 */
function rawZstd(bytes: Uint8Array): Uint8Array {
  const out: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0];
  for (let i = 0; i < 4; i++) out.push((bytes.length >>> (8 * i)) & 0xff);
  const BLOCK = 1 << 16;
  for (let at = 0; at < bytes.length; at += BLOCK) {
    const piece = bytes.subarray(at, at + BLOCK);
    const header = (piece.length << 3) | (at + BLOCK >= bytes.length ? 1 : 0);
    out.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...piece);
  }
  return Uint8Array.from(out);
}

async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 4096) yield bytes.subarray(at, at + 4096);
}

/** Stores the blob as a pull does, then the image whose manifest names it; its manifest digest. */
async function pull(store: Store, blob: Uint8Array, mediaType: string): Promise<{ manifestDigest: string; kept: boolean }> {
  const digest = sha256Digest(blob);
  await store.storePulledLayer(diffId, chunks(blob), undefined, digest);
  const configBytes = encodeJson(imageConfig(spec, [layer]));
  const manifestBytes = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: descriptorOf(MediaTypes.ociConfig, configBytes), layers: [{ mediaType, digest, size: blob.length }] });
  const { image, kept } = await store.addPulledImage(manifestBytes, configBytes, ['reg.test/team/app:1']);
  expect(image.manifestDigest).toBe(kept ? sha256Digest(manifestBytes) : image.manifestDigest);
  return { manifestDigest: image.manifestDigest, kept };
}

/** `backend` whose blob `digest` reads as `bytes` (an edit on disk) until it is deleted. */
function edited(backend: StoreBackend, digest: string, bytes: Uint8Array): StoreBackend {
  const inner = backend.blobs;
  let damaged = true;
  const mine = (d: string): boolean => damaged && d === digest;
  return {
    ...backend,
    blobs: {
      has: (d) => inner.has(d),
      get: async (d) => (mine(d) ? bytes.slice() : inner.get(d)),
      chunks: (d) =>
        mine(d)
          ? (async function* () {
              yield bytes.slice();
            })()
          : inner.chunks(d),
      size: async (d) => (mine(d) ? bytes.length : inner.size(d)),
      put: (b, e) => inner.put(b, e),
      writer: () => inner.writer(),
      list: () => inner.list(),
      delete: async (d) => {
        if (d === digest) damaged = false;
        return inner.delete(d);
      },
    },
  };
}

const motd = async (store: Store): Promise<string> => new TextDecoder().decode(readFileAt((await openView(store, 'reg.test/team/app:1')).overlay, '/etc/motd'));

describe.each(BACKENDS)('pulled layer blobs ($name)', (setup) => {
  it('a plain tar is kept as it came (digest = DiffID): the manifest is kept, and the blob reads back when the caches are gone', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const { kept } = await pull(store, tar, MediaTypes.ociLayer);
    expect(kept).toBe(true);
    expect(store.layerBlob(diffId)).toEqual({ mediaType: MediaTypes.ociLayer, digest: diffId, size: tar.length });
    const caches = place.backend().caches;
    for (const blob of await caches.list()) await caches.delete(blob);
    expect(await motd(await openStore(setup, place))).toBe('pulled\n');
  });

  it('a plain tar that does not match its digest is not stored', async () => {
    const store = await openStore(setup, setup.place());
    await expect(store.storePulledLayer(`sha256:${'0'.repeat(64)}`, chunks(tar), undefined, diffId)).rejects.toThrow(/does not match its DiffID/);
    expect(store.layerBlob(diffId)).toBeUndefined();
  });

  it('a zstd blob is kept where the store decodes zstd (disk), refused where it does not (memory: the client stores gzip)', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const zstd = rawZstd(tar);
    if (!store.storesZstd) {
      await expect(store.storePulledLayer(diffId, chunks(zstd), undefined, sha256Digest(zstd))).rejects.toThrow(/zstd-compressed, which is not supported/);
      return;
    }
    expect((await pull(store, zstd, MediaTypes.ociLayerZstd)).kept).toBe(true);
    expect(store.layerBlob(diffId)).toEqual({ mediaType: MediaTypes.ociLayerZstd, digest: sha256Digest(zstd), size: zstd.length });
    const caches = place.backend().caches;
    for (const blob of await caches.list()) await caches.delete(blob);
    expect(await motd(await openStore(setup, place))).toBe('pulled\n');
    // A damaged zstd blob fails its digest and leaves nothing behind.
    const other = await openStore(setup, setup.place());
    const bad = zstd.map((b, i) => (i === zstd.length >> 1 ? b ^ 1 : b));
    await expect(other.storePulledLayer(diffId, chunks(bad), undefined, sha256Digest(zstd))).rejects.toThrow(/does not match/);
    expect(other.layerBlob(diffId)).toBeUndefined();
  });

  it('a pull stopped after storing a layer: run again, the blob counts as that layer by its index while its bytes hash to its digest', async () => {
    const place = setup.place();
    const gz = gzipSync(tar);
    const blob = { mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(gz), size: gz.length };
    await (await openStore(setup, place)).storePulledLayer(diffId, chunks(gz), undefined, blob.digest);
    // A new process: no image lists the blob, so only its index says which layer it is.
    const again = await openStore(setup, place);
    expect(again.layerBlob(diffId)).toBeUndefined();
    expect(await again.storedPulledLayer(`sha256:${'0'.repeat(64)}`, blob)).toBeUndefined();
    expect(await again.storedPulledLayer(diffId, blob)).toEqual(blob);
    expect(again.layerBlob(diffId)).toEqual(blob);
    // Edited on disk: not trusted, and deleted with its caches so a download stores good bytes.
    const damaged = await openStore(setup, place, edited(place.backend(), blob.digest, gz.map((b, i) => (i === 20 ? b ^ 1 : b))));
    // A dry run (repair false) changes nothing; a pull deletes the damaged blob.
    expect(await damaged.storedPulledLayer(diffId, blob, false)).toBeUndefined();
    expect(await place.backend().blobs.has(blob.digest)).toBe(true);
    expect(await damaged.storedPulledLayer(diffId, blob)).toBeUndefined();
    expect(damaged.layerBlob(diffId)).toBeUndefined();
    expect(await place.backend().blobs.has(blob.digest)).toBe(false);
    expect(await place.backend().caches.list()).toEqual([]);
    const fresh = await openStore(setup, place);
    expect((await pull(fresh, gz, MediaTypes.ociLayerGzip)).kept).toBe(true);
    expect(await motd(await openStore(setup, place))).toBe('pulled\n');
  });
});
