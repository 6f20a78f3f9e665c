/**
 * A store that tells the truth (issue 10): blobs are checked against their digests when read,
 * and a damaged image or container is listed, removable, and does not stop the commands on
 * the others. Run against every backend (backends.ts); damage is made by a wrapper that hands
 * out other bytes for one blob (or none), as an edit or a lost file on disk would.
 */
import { describe, expect, it } from 'vitest';
import { archiveFileBytes, imageConfig, type BlobStore } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import type { Store, StoreBackend } from '../../../src/store/index.js';
import { BACKENDS, openStore, type BackendSetup } from './backends.js';

const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const base = Layer.fromEntries([{ path: '/etc/motd', type: 'file', content: 'hello' }]);
const app = Layer.fromEntries([{ path: '/app/main', type: 'file', content: 'main' }]);
const addBase = (store: Store) => store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
const addApp = (store: Store) => store.addImage({ config: imageConfig(spec, [base, app]), layers: [base, app], names: ['app:1'] });

/** `backend` with the blob `digest` replaced by `bytes` (or missing when `undefined`). */
function tampered(backend: StoreBackend, digest: string, bytes: Uint8Array | undefined): StoreBackend {
  const inner = backend.blobs;
  const blobs: BlobStore = {
    has: async (d) => (d === digest ? bytes !== undefined : inner.has(d)),
    get: async (d) => {
      if (d !== digest) return inner.get(d);
      if (bytes === undefined) throw new Error(`blob ${d} is not in the store`);
      return bytes.slice();
    },
    chunks: (d) =>
      d !== digest
        ? inner.chunks(d)
        : (async function* () {
            if (bytes === undefined) throw new Error(`blob ${d} is not in the store`);
            yield bytes.slice();
          })(),
    put: (b, e) => inner.put(b, e),
    writer: () => inner.writer(),
    list: async () => (await inner.list()).filter((d) => d !== digest || bytes !== undefined),
    size: async (d) => (d === digest ? bytes?.length : inner.size(d)),
    delete: (d) => inner.delete(d),
  };
  return { ...backend, blobs };
}

const flipped = (bytes: Uint8Array, at: number): Uint8Array => {
  const out = bytes.slice();
  out[at] = out[at]! ^ 0x01;
  return out;
};

async function drain(store: Store, format: 'oci' | 'docker'): Promise<void> {
  for (const file of await store.archive([{ image: store.resolveImage('app:1'), names: ['app:1'] }], format)) await archiveFileBytes(file);
}

describe.each(BACKENDS)('store integrity: $name backend', (setup: BackendSetup) => {
  it('an edited config is not shown under its old ID: the image is listed as damaged, the others work', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    await addBase(first);
    const a = await addApp(first);
    const edited = new TextEncoder().encode(new TextDecoder().decode(a.configBytes).replace('"amd64"', '"arm64"'));
    const store = await openStore(setup, place, tampered(place.backend(), a.id, edited));
    expect(store.findImage('app:1')).toBeUndefined();
    expect(store.images().map((i) => i.names)).toEqual([['base:1']]);
    const check = await store.check();
    expect(check.clean).toBe(false);
    expect(check.damagedImages).toEqual([{ manifestDigest: a.manifestDigest, names: ['app:1'], reason: expect.stringMatching(/config sha256:.* does not match its digest.*overlay fsck/) }]);
    expect(check.corruptBlobs).toEqual([a.id]);
    expect(check.safeToDrop.images).toEqual([a.manifestDigest]);
    // Other verbs work; rmi removes the damaged entry and gc its blobs (the app layer, config, manifest).
    const c = await store.createContainer(store.resolveImage('base:1'));
    expect((await store.mount(c)).fs.readFileSync('/etc/motd', 'utf8')).toBe('hello');
    const removed = await store.removeImage('app:1');
    expect(removed).toMatchObject({ untagged: ['app:1'], deleted: [a.manifestDigest] });
    expect(removed.blobs.sort()).toEqual([a.id, a.manifestDigest, a.manifest.layers[1]!.digest].sort());
    const after = await store.check();
    expect(after.clean).toBe(true);
    expect(after.unreferencedBlobs).toEqual([]);
  });

  it('a flipped byte in a layer blob fails save in both formats, naming the blob and the repair', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    const a = await addApp(first);
    const layer = a.manifest.layers[1]!.digest;
    const bytes = await place.backend().blobs.get(layer);
    // Byte 4 is in the gzip header's mtime: the tar (and so the DiffID) is unchanged.
    const store = await openStore(setup, place, tampered(place.backend(), layer, flipped(bytes, 4)));
    const message = new RegExp(`layer ${layer} does not match its digest.*overlay fsck`);
    await expect(drain(store, 'oci')).rejects.toThrow(message);
    await expect(drain(store, 'docker')).rejects.toThrow(message);
    expect((await store.check()).damagedImages).toEqual([{ manifestDigest: a.manifestDigest, names: ['app:1'], reason: `blob ${layer} does not match its digest` }]);
  });

  it('a layer cache is not rebuilt from a damaged blob', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    const a = await addApp(first);
    await first.prune(); // drops every layer cache: the next mount rebuilds them from the blobs
    const layer = a.manifest.layers[1]!.digest;
    const store = await openStore(setup, place, tampered(place.backend(), layer, flipped(await place.backend().blobs.get(layer), 4)));
    await expect(store.layers(store.resolveImage('app:1'))).rejects.toThrow(new RegExp(`layer ${layer} does not match its digest`));
    expect(await place.backend().caches.list()).not.toContain(layer);
  });

  it('a missing config blob: other images work, prune removes the damaged entry', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    await addBase(first);
    const a = await addApp(first);
    const store = await openStore(setup, place, tampered(place.backend(), a.id, undefined));
    expect(store.images().map((i) => i.names)).toEqual([['base:1']]);
    const check = await store.check();
    expect(check.damagedImages.map((d) => d.manifestDigest)).toEqual([a.manifestDigest]);
    expect(check.missingBlobs).toEqual([{ digest: a.id, holders: [a.manifestDigest] }]);
    const pruned = await store.prune();
    expect(pruned.images).toEqual([a.manifestDigest]);
    expect(pruned.blobs.sort()).toEqual([a.manifestDigest, a.manifest.layers[1]!.digest].sort());
    expect((await openStore(setup, place, tampered(place.backend(), a.id, undefined))).images().map((i) => i.names)).toEqual([['base:1']]);
  });

  it('a manifest that does not parse holds every blob until its entry is removed', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    await addBase(first);
    const a = await addApp(first);
    const store = await openStore(setup, place, tampered(place.backend(), a.manifestDigest, new TextEncoder().encode('{not json')));
    await store.tag(store.resolveImage('base:1'), 'other:1');
    expect(await store.removeImage('other:1')).toMatchObject({ untagged: ['other:1'], blobs: [] });
    const held = await store.gc();
    expect(held).toEqual({ blobs: [], bytes: 0, heldBy: [`damaged image ${a.manifestDigest}`] });
    const removed = await store.removeImage(a.manifestDigest.slice(7, 19));
    expect(removed.deleted).toEqual([a.manifestDigest]);
    expect(removed.heldBy).toBeUndefined();
    expect(removed.blobs.sort()).toEqual([a.id, a.manifestDigest, a.manifest.layers[1]!.digest].sort());
  });

  it('an invalid container.json: the other containers work, the damaged one is listed and removable', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    const image = await addBase(first);
    await first.createContainer(image, { name: 'good' });
    const badId = 'ab'.repeat(32);
    await place.backend().documents.createContainer(badId, new TextEncoder().encode('{"name": 3'), base.toTar());
    const store = await openStore(setup, place);
    expect((await store.containers()).map((c) => c.name)).toEqual(['good']);
    expect((await store.mount(await store.resolveContainer('good'))).fs.readFileSync('/etc/motd', 'utf8')).toBe('hello');
    const bad = await store.resolveContainer(badId.slice(0, 12));
    expect(bad.damaged).toMatch(/container\.json/);
    await expect(store.mount(bad)).rejects.toThrow(/is damaged .*overlay rm -f abababababab/);
    const check = await store.check();
    expect(check.damagedContainers).toEqual([{ id: badId, reason: expect.stringMatching(/container\.json/) }]);
    expect(check.safeToDrop).toEqual({ images: [], blobs: [] });
    // While its image is unknown, gc deletes nothing.
    expect((await store.gc()).heldBy).toEqual(['container abababababab']);
    await store.removeContainer(bad);
    expect(await place.backend().documents.containerIds()).toHaveLength(1);
    expect((await store.check()).clean).toBe(true);
  });
});
