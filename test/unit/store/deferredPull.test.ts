/**
 * A pulled layer blob is stored as `skopeo copy` to an OCI layout stores it: streamed, checked
 * against its digest, nothing else (ImageStore.storePulledBlob, src/store/resumedPull.ts). Its
 * tar is read, checked against the config's DiffID and made into a pack and index at its first
 * use (LayerCache.ts `#rebuild`) or by `overlay fsck` (check.ts): a layer whose DiffID does not
 * match is refused there with a `DigestMismatchError`, and fsck reports its image.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openView, readFileAt } from '../../../src/app/index.js';
import { sha256Digest } from '../../../src/digest/index.js';
import { DomainError } from '../../../src/errors/index.js';
import { MediaTypes, descriptorOf, encodeJson, imageConfig, type Descriptor } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import type { Store } from '../../../src/store/index.js';
import { BACKENDS, openStore } from './backends.js';

const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const layerOf = (text: string): Layer => Layer.fromEntries([{ path: '/etc/motd', type: 'file', content: text }]);
const real = layerOf('pulled\n');
const other = layerOf('something else\n');
const gz = gzipSync(real.toTar());
const blob: Descriptor = { mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(gz), size: gz.length };
const diffId = sha256Digest(real.toTar());

async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 4096) yield bytes.subarray(at, at + 4096);
}

/** The image a pull adds once its blob is stored, its config giving the DiffIDs of `claimed`. */
async function addImage(store: Store, claimed: Layer, layer: Descriptor, name: string): Promise<{ manifestDigest: string; kept: boolean }> {
  const configBytes = encodeJson(imageConfig(spec, [claimed]));
  const manifestBytes = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: descriptorOf(MediaTypes.ociConfig, configBytes), layers: [layer] });
  const { image, kept } = await store.addPulledImage(manifestBytes, configBytes, [name]);
  return { manifestDigest: image.manifestDigest, kept };
}

const motd = async (store: Store, name: string): Promise<string> => new TextDecoder().decode(readFileAt((await openView(store, name)).overlay, '/etc/motd'));

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe.each(BACKENDS)('pulled layer blobs, read at their first use ($name)', (setup) => {
  it('a pulled blob is stored alone, checked against its digest; its first use reads it and writes its caches', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const bad = gz.map((b, i) => (i === gz.length >> 1 ? b ^ 1 : b));
    expect((await refusal(store.storePulledBlob(diffId, chunks(bad), blob))).code).toBe('DigestMismatchError');
    expect(await place.backend().blobs.has(blob.digest)).toBe(false);
    expect(await store.storePulledBlob(diffId, chunks(gz), blob)).toEqual(blob);
    expect(await place.backend().caches.list()).toEqual([]);
    expect((await addImage(store, real, blob, 'reg.test/app:1')).kept).toBe(true);
    expect(await motd(await openStore(setup, place), 'reg.test/app:1')).toBe('pulled\n');
    expect(await place.backend().caches.list()).toEqual([blob.digest]);
    expect((await store.check()).clean).toBe(true);
  });

  it('a layer whose tar does not match the config\'s DiffID is refused at its first use, every time, and fsck reports its image', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const claimed = sha256Digest(other.toTar());
    await store.storePulledBlob(claimed, chunks(gz), blob);
    const { manifestDigest } = await addImage(store, other, blob, 'reg.test/liar:1');
    for (const opened of [store, await openStore(setup, place)]) {
      const error = await refusal(openView(opened, 'reg.test/liar:1'));
      expect(error.code).toBe('DigestMismatchError');
      expect(error.message).toBe(`layer ${blob.digest} does not match its DiffID: expected ${claimed}, got ${diffId}; \`overlay fsck\` lists the image`);
    }
    // No cache was written from it, so no later use trusts it.
    expect(await place.backend().caches.list()).toEqual([]);
    const check = await store.check();
    expect(check.clean).toBe(false);
    expect(check.damagedImages).toEqual([{ manifestDigest, names: ['reg.test/liar:1'], reason: `layer blob ${blob.digest} does not match its DiffID ${claimed} (its tar hashes to ${diffId})` }]);
    expect(check.safeToDrop.images).toEqual([manifestDigest]);
  });

  it('a blob read under its true DiffID is not handed out under another that an image claims for it', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    await store.storePulledBlob(diffId, chunks(gz), blob);
    await addImage(store, real, blob, 'reg.test/app:1');
    await addImage(store, other, blob, 'reg.test/liar:1');
    expect(await motd(store, 'reg.test/app:1')).toBe('pulled\n');
    expect((await refusal(openView(store, 'reg.test/liar:1'))).code).toBe('DigestMismatchError');
    // The refused read left the true layer's caches as they were.
    expect(await motd(await openStore(setup, place), 'reg.test/app:1')).toBe('pulled\n');
  });

  it('a DiffID only another pulled image claims is not trusted: a pull of the real layer downloads its own blob and keeps its manifest', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    // An image whose config claims `real`'s DiffID for another tar, pulled and never used.
    const wrong = gzipSync(other.toTar());
    const wrongBlob: Descriptor = { mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(wrong), size: wrong.length };
    await store.storePulledBlob(diffId, chunks(wrong), wrongBlob);
    await addImage(store, real, wrongBlob, 'reg.test/liar:1');
    const again = await openStore(setup, place);
    expect(again.layerBlob(diffId)).toEqual(wrongBlob);
    expect(await again.storedPulledLayer(diffId, blob)).toBeUndefined();
    await again.storePulledBlob(diffId, chunks(gz), blob);
    expect((await addImage(again, real, blob, 'reg.test/app:1')).kept).toBe(true);
    expect(await motd(again, 'reg.test/app:1')).toBe('pulled\n');
  });

  it('a pull stopped after storing a blob: run again, the blob counts as its layer by its digest, and a dry run changes nothing', async () => {
    const place = setup.place();
    await (await openStore(setup, place)).storePulledBlob(diffId, chunks(gz), blob);
    const again = await openStore(setup, place);
    expect(again.layerBlob(diffId)).toBeUndefined();
    expect(await again.storedPulledLayer(diffId, blob, false)).toEqual(blob);
    expect(await again.storedPulledLayer(diffId, blob)).toEqual(blob);
    expect(again.layerBlob(diffId)).toEqual(blob);
    expect(await place.backend().caches.list()).toEqual([]);
  });
});
