/**
 * The layer caches (indexes and data packs, src/store/LayerCache.ts) on every backend: a layer
 * is read once, when it enters the store; verbs that need only documents read no layer blob; a
 * cache is a cache (deleting it changes nothing visible, a bad one is detected and rebuilt, a
 * second instance sees the first one's new cache whole).
 */
import { describe, expect, it } from 'vitest';
import { commitContainer, createContainer, editContainer, imageHistory, inspectTargets, layerUsage, listContainers, listImages, openView, readFileAt } from '../../../src/app/index.js';
import { sha256Digest } from '../../../src/digest/index.js';
import { imageConfig } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';
import { LAYER_INDEX_VERSION, checkLayerIndex, type LayerCacheFile, type Store, type StoreBackend } from '../../../src/store/index.js';
import { snapshotTree, type FsLike } from '../../../src/testing/index.js';
import { BACKENDS, openStore, type BackendSetup, type Place } from './backends.js';

const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const big = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
const base = Layer.fromEntries([
  { path: '/etc/motd', type: 'file', content: 'hello', mtime: 1_600_000_000_000, xattrs: { 'user.note': 'x' } },
  { path: '/bin/big', type: 'file', content: big, mode: 0o755 },
  { path: '/bin/also-big', type: 'hardlink', target: '/bin/big' },
  { path: '/bin/sh', type: 'symlink', target: 'big' },
  { path: '/empty', type: 'file' },
  { path: '/var/lib/x/y', type: 'file', content: 'deep' },
]);
const app = Layer.fromEntries([
  { path: '/etc/motd', type: 'whiteout' },
  { path: '/var', type: 'opaque', mode: 0o700 },
  { path: '/app/main', type: 'file', content: 'main' },
]);
const encoder = new TextEncoder();

async function addApp(store: Store): Promise<void> {
  await store.addImage({ config: imageConfig(spec, [base, app]), layers: [base, app], names: ['app:1'] });
}

/** The backend of `place`, counting reads of layer blobs. */
function counting(place: Place): { backend: StoreBackend; layerReads: string[] } {
  const inner = place.backend();
  const layerReads: string[] = [];
  const blobs = Object.create(inner.blobs) as StoreBackend['blobs'];
  blobs.get = async (digest) => {
    const bytes = await inner.blobs.get(digest);
    // Gzip magic: layer blobs are the store's only gzip blobs.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) layerReads.push(digest);
    return bytes;
  };
  // A layer is read whole (`get`) or streamed (`chunks`): both count, once per read.
  blobs.chunks = async function* (digest) {
    let first = true;
    for await (const chunk of inner.blobs.chunks(digest)) {
      if (first && chunk[0] === 0x1f && chunk[1] === 0x8b) layerReads.push(digest);
      first = false;
      yield chunk;
    }
  };
  return { backend: { ...inner, blobs }, layerReads };
}

const viewOf = (overlay: Overlay) => snapshotTree(overlay.fs as unknown as FsLike, '');
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

async function layerBlobs(store: Store): Promise<string[]> {
  return store.resolveImage('app:1').manifest.layers.map((l) => l.digest);
}

describe.each(BACKENDS)('layer caches: $name backend', (setup: BackendSetup) => {
  it('indexes layers as they enter the store; a mount and the document verbs read no layer blob', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    await addApp(first);
    expect(await place.backend().caches.list()).toEqual([...(await layerBlobs(first))].sort());
    await createContainer(first, 'app:1', { name: 'web' });

    const { backend, layerReads } = counting(place);
    const store = await openStore(setup, place, backend);
    await listImages(store);
    const history = await imageHistory(store, 'app:1');
    expect(history.map((h) => h.contentBytes)).toEqual([app.size, base.size]);
    await inspectTargets(store, ['app:1', 'web']);
    await listContainers(store);
    await layerUsage(store);
    const view = await openView(store, 'web');
    expect(text(readFileAt(view.overlay, '/bin/also-big'))).toBe(text(big));
    expect(layerReads).toEqual([]);
  });

  it('commits a lazily mounted container to the layer a whole mount commits', async () => {
    const place = setup.place();
    await addApp(await openStore(setup, place));
    await createContainer(await openStore(setup, place), 'app:1', { name: 'web' });
    const change = (overlay: Overlay): void => {
      overlay.fs.appendFileSync('/bin/big', 'tail'); // a copy-up of a 300 KB file: its blocks come from the pack
      overlay.fs.chmodSync('/app/main', 0o700);
      overlay.fs.writeFileSync('/new', 'n');
      overlay.fs.unlinkSync('/bin/sh');
    };
    await editContainer(await openStore(setup, place), 'web', (overlay) => change(overlay));
    const result = await commitContainer(await openStore(setup, place), 'web', { name: 'app:2' });

    const whole = new Overlay({ lowers: [base, app], clock: setup.options.clock! });
    change(whole);
    expect(result.diffId).toBe(whole.commitSync().diffId);
    // The committed layer was indexed too: the child image mounts from indexes alone.
    const { backend, layerReads } = counting(place);
    const child = await openView(await openStore(setup, place, backend), 'app:2');
    expect(viewOf(child.overlay)).toEqual(viewOf(whole));
    expect(layerReads).toEqual([]);
  });

  it('is a cache: deleting it changes nothing visible, and the next mount rebuilds it', async () => {
    const place = setup.place();
    await addApp(await openStore(setup, place));
    const before = viewOf((await openView(await openStore(setup, place), 'app:1')).overlay);
    const caches = place.backend().caches;
    for (const blob of await caches.list()) await caches.delete(blob);
    expect(await caches.list()).toEqual([]);

    const { backend, layerReads } = counting(place);
    const store = await openStore(setup, place, backend);
    expect(viewOf((await openView(store, 'app:1')).overlay)).toEqual(before);
    expect(layerReads).toHaveLength(2);
    expect(await caches.list()).toEqual([...(await layerBlobs(store))].sort());
    // A second instance (the next process) uses the rebuilt caches: it reads no blob.
    const again = counting(place);
    expect(viewOf((await openView(await openStore(setup, place, again.backend), 'app:1')).overlay)).toEqual(before);
    expect(again.layerReads).toEqual([]);
  });

  const damages: [string, (bytes: Uint8Array, other: Uint8Array) => Uint8Array, LayerCacheFile][] = [
    ['a truncated index', (b) => b.subarray(0, Math.floor(b.length / 2)), 'index'],
    ['an index with a changed body byte', (b) => b.map((x, i) => (i === b.length - 3 ? x ^ 1 : x)), 'index'],
    ['an index with a changed header byte', (b) => b.map((x, i) => (i === 70 ? x ^ 1 : x)), 'index'],
    ['the index of another layer', (_b, other) => other, 'index'],
    ['an index of another version, its digests right', (b) => reversioned(b, LAYER_INDEX_VERSION + 1), 'index'],
    ['an index of version 1 (a JSON body), its digests right', (b) => reversioned(b, 1), 'index'],
    ['an empty index', () => new Uint8Array(0), 'index'],
    ['a truncated pack', (b) => b.subarray(0, b.length - 1), 'pack'],
  ];
  for (const [what, damage, file] of damages) {
    it(`detects ${what} and rebuilds it from the blob`, async () => {
      const place = setup.place();
      const store = await openStore(setup, place);
      await addApp(store);
      const before = viewOf((await openView(await openStore(setup, place), 'app:1')).overlay);
      const [baseBlob, appBlob] = await layerBlobs(store);
      const caches = place.backend().caches;
      const good = (await caches.read(baseBlob!, file))!;
      await caches.write(baseBlob!, file, [damage(good, (await caches.read(appBlob!, file))!)]);

      const { backend, layerReads } = counting(place);
      const view = await openView(await openStore(setup, place, backend), 'app:1');
      expect(viewOf(view.overlay)).toEqual(before);
      expect(layerReads).toEqual([baseBlob]);
      // Rewritten whole and valid (not byte for byte: the blob's member order may number objects otherwise).
      const index = checkLayerIndex((await caches.read(baseBlob!, 'index'))!, { blob: baseBlob!, diffId: base.diffId });
      expect(index?.header.dataBytes).toBe(base.size);
      expect((await caches.read(baseBlob!, 'pack'))!.length).toBe(index?.header.packBytes);
      // and used from then on: the next instance reads no blob.
      const again = counting(place);
      expect(viewOf((await openView(await openStore(setup, place, again.backend), 'app:1')).overlay)).toEqual(before);
      expect(again.layerReads).toEqual([]);
    });
  }

  it('never shows a half-written cache file: a reader sees the old one until the new one is whole', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    await addApp(store);
    const [blob] = await layerBlobs(store);
    const caches = place.backend().caches;
    const old = (await caches.read(blob!, 'index'))!;
    // What a second process reading the cache sees before each chunk of the new file.
    const during: Promise<Uint8Array | undefined>[] = [];
    function* chunks(): Iterable<Uint8Array> {
      for (const part of ['half', ' and the rest']) {
        during.push(caches.read(blob!, 'index'));
        yield encoder.encode(part);
      }
    }
    await caches.write(blob!, 'index', chunks());
    expect(during).toHaveLength(2);
    for (const bytes of await Promise.all(during)) expect(bytes).toEqual(old);
    expect(text((await caches.read(blob!, 'index'))!)).toBe('half and the rest');
  });

  it('prune drops every cache and gc the caches of deleted blobs; later commands rebuild', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    await addApp(store);
    await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
    const caches = place.backend().caches;
    const appBlob = (await layerBlobs(store))[1]!;
    await store.removeImage('app:1');
    expect(await caches.list()).not.toContain(appBlob);
    expect(await caches.list()).toHaveLength(1);

    const before = viewOf((await openView(store, 'base:1')).overlay);
    const result = await store.prune();
    expect(result.cacheBytes).toBeGreaterThan(big.length);
    expect(await caches.list()).toEqual([]);
    expect((await store.diskUsage()).cacheBytes).toBe(0);
    expect(viewOf((await openView(await openStore(setup, place), 'base:1')).overlay)).toEqual(before);
    expect(await caches.list()).toHaveLength(1);
  });
});

/** The same index, but claiming format `version`, with both digests made right. */
function reversioned(bytes: Uint8Array, version: number): Uint8Array {
  const first = bytes.indexOf(0x0a);
  const second = bytes.indexOf(0x0a, first + 1);
  const header = JSON.parse(text(bytes.subarray(first + 1, second))) as { version: number };
  header.version = version;
  const headerBytes = encoder.encode(JSON.stringify(header));
  const prefix = encoder.encode(`${sha256Digest(headerBytes).slice(7)}\n`);
  const body = bytes.subarray(second);
  const out = new Uint8Array(prefix.length + headerBytes.length + body.length);
  out.set(prefix, 0);
  out.set(headerBytes, prefix.length);
  out.set(body, prefix.length + headerBytes.length);
  return out;
}
