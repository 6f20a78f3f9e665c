/**
 * The store's contract, run against every backend (test/unit/store/backends.ts): a browser
 * backend must pass the same suite.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import { DomainError } from '../../../src/errors/index.js';
import { archiveFileBytes, childConfig, historyEntry, imageConfig, memorySource, readImageArchive, type ArchiveFile, type FileSource } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import type { Store } from '../../../src/store/index.js';
import { BACKENDS, Killed, failingAfter, openStore, orderChecked, type BackendSetup, type Place } from './backends.js';

const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const base = Layer.fromEntries([
  { path: '/etc/motd', type: 'file', content: 'hello' },
  { path: '/bin/ls', type: 'file', content: 'ls', mode: 0o755 },
  { path: '/doc/README', type: 'file', content: 'r' },
]);
const app = Layer.fromEntries([{ path: '/app/main', type: 'file', content: 'main' }]);
const tools = Layer.fromEntries([{ path: '/usr/bin/tool', type: 'file', content: 'tool' }]);

const addBase = (store: Store, names = ['base:1']) => store.addImage({ config: imageConfig(spec, [base]), layers: [base], names });
const addApp = (store: Store, names = ['app:1']) => store.addImage({ config: imageConfig(spec, [base, app]), layers: [base, app], names });
const addTools = (store: Store, names = ['tools:1']) => store.addImage({ config: imageConfig(spec, [base, tools]), layers: [base, tools], names });
const blobCount = async (place: Place): Promise<number> => (await place.backend().blobs.list()).length;
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const filesSource = async (files: ArchiveFile[]): Promise<FileSource> => {
  const map = new Map<string, Uint8Array>();
  for (const f of files) map.set(f.path, await archiveFileBytes(f));
  return memorySource(map);
};

/** A source layer's `size`, `read` and `chunks` over bytes in memory. */
const layerOf = (bytes: Uint8Array) => ({
  size: bytes.length,
  read: async () => bytes,
  async *chunks() {
    yield bytes;
  },
  async *uncheckedChunks() {
    yield bytes;
  },
});

/** Changes a container the way the CLI does: mount, edit, save the writable layer. */
async function edit(store: Store, name: string, fn: (fs: Awaited<ReturnType<Store['mount']>>['fs']) => void): Promise<void> {
  const c = await store.resolveContainer(name);
  const overlay = await store.mount(c);
  fn(overlay.fs);
  await store.saveUpper(c, overlay);
}

describe.each(BACKENDS)('store contract: $name backend', (setup: BackendSetup) => {
  it('starts as an empty OCI image layout', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    expect(store.images()).toEqual([]);
    expect(await store.containers()).toEqual([]);
    const documents = place.backend().documents;
    expect(JSON.parse(text((await documents.read('oci-layout'))!))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(text((await documents.read('index.json'))!))).toMatchObject({ schemaVersion: 2, manifests: [] });
    // Opening again finds the same (empty) store.
    expect((await openStore(setup, place)).images()).toEqual([]);
  });

  it('stores shared layers once and deletes blobs only when nothing uses them', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const a = await addApp(store);
    await addTools(store);
    expect(a.names).toEqual(['app:1']);
    expect(await blobCount(place)).toBe(7); // 3 layers + 2 configs + 2 manifests
    const usage = await store.diskUsage();
    expect(usage.layers).toMatchObject({ count: 3, sharedBytes: store.layerBlob(base.diffId)!.size });
    expect(usage.images.count).toBe(2);
    expect(a.size).toBe(a.manifestBytes.length + a.configBytes.length + a.manifest.layers.reduce((n, l) => n + l.size, 0));
    expect(await store.tag(a, 'app')).toBe('app:latest');
    expect(await store.removeImage('app:1')).toMatchObject({ untagged: ['app:1'], deleted: [], blobs: [] });
    expect(await blobCount(place)).toBe(7);
    const result = await store.removeImage('app');
    expect(result.deleted).toEqual([a.id]);
    expect(result.blobs).toHaveLength(3); // the app layer, its config and manifest; the base stays
    expect(await blobCount(place)).toBe(4);
    await store.removeImage('tools:1');
    expect(await blobCount(place)).toBe(0);
    expect(JSON.parse(text((await place.backend().documents.read('index.json'))!)).manifests).toEqual([]);
  });

  it('finds images by name, ID, manifest digest and unique prefix', async () => {
    const store = await openStore(setup, setup.place());
    const image = await addBase(store, ['base:1', 'registry.example:5000/team/base']);
    expect(store.findImage('base:1')).toBe(image);
    expect(store.findImage('registry.example:5000/team/base:latest')).toBe(image);
    expect(store.findImage(image.id)).toBe(image);
    expect(store.findImage(image.manifestDigest)).toBe(image);
    expect(store.findImage(image.id.slice(7, 13))).toBe(image);
    expect(store.findImage('abc')).toBeUndefined(); // too short for a prefix
    expect(store.findImage('NOT A NAME')).toBeUndefined();
    expect(() => store.resolveImage('nothing')).toThrow('no such image: nothing:latest');
  });

  it("applies Docker's rmi policy: several names, containers, --force", async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const image = await addBase(store, ['base:1', 'base:2']);
    await expect(store.removeImage(image.id)).rejects.toThrow(/has several names \(base:1, base:2\); remove them by name or use --force/);
    await store.createContainer(image, { name: 'web' });
    await store.removeImage('base:2');
    await expect(store.removeImage('base:1')).rejects.toThrow('image base:1 is used by container web; remove the container first or use --force');
    // --force untags; the container keeps the image and its blobs alive.
    expect(await store.removeImage('base:1', { force: true })).toEqual({ untagged: ['base:1'], deleted: [], blobs: [], bytes: 0 });
    expect(store.images()).toEqual([]);
    const c = await store.resolveContainer('web');
    expect((await store.containerImage(c)).id).toBe(image.id);
    const reopened = await openStore(setup, place);
    expect((await reopened.mount(await reopened.resolveContainer('web'))).fs.readFileSync('/etc/motd', 'utf8')).toBe('hello');
    const gc = await reopened.removeContainer(await reopened.resolveContainer('web'));
    expect(gc.blobs).toHaveLength(3);
    expect(await blobCount(place)).toBe(0);
  });

  it('keeps a container, its image and its writable layer across opens', async () => {
    const place = setup.place();
    const first = await openStore(setup, place);
    const image = await addBase(first);
    const c = await first.createContainer(image, { name: 'web', imageName: 'base:1' });
    expect(c).toMatchObject({ name: 'web', image: image.manifestDigest, imageId: image.id, imageName: 'base:1', created: '2024-01-01T00:00:00.000Z' });
    await edit(first, 'web', (fs) => {
      fs.writeFileSync('/etc/motd', 'changed');
      fs.unlinkSync('/bin/ls');
      fs.rmSync('/doc', { recursive: true });
      fs.mkdirSync('/doc');
    });
    const before = (await first.mount(c)).diff();
    const second = await openStore(setup, place);
    expect(await second.containers()).toEqual([c]);
    expect((await second.resolveContainer(c.id.slice(0, 6))).name).toBe('web');
    const overlay = await second.mount(c);
    expect(overlay.diff()).toEqual(before);
    expect(overlay.fs.readFileSync('/etc/motd', 'utf8')).toBe('changed');
    expect(await second.upperSize(c)).toBe((await second.upperLayer(c)).toTar().length);
  });

  it('names containers IMAGE-N, refuses bad or taken names and unknown references', async () => {
    const store = await openStore(setup, setup.place());
    const image = await addBase(store);
    expect((await store.createContainer(image)).name).toBe('base-1');
    expect((await store.createContainer(image)).name).toBe('base-2');
    await expect(store.createContainer(image, { name: 'base-1' })).rejects.toThrow('container name base-1 is already in use');
    await expect(store.createContainer(image, { name: '-x' })).rejects.toThrow(/invalid container name "-x"/);
    await expect(store.resolveContainer('nope')).rejects.toThrow('no such container: nope');
    expect(await store.findContainer('nope')).toBeUndefined();
    expect(new Set((await store.containers()).map((c) => c.id)).size).toBe(2);
  });

  it('commits a container into a child image (an empty change adds an empty_layer entry)', async () => {
    const store = await openStore(setup, setup.place());
    const image = await addBase(store);
    const c = await store.createContainer(image);
    const upper = (await store.mount(c)).commitSync();
    expect(upper.entries()).toEqual([]);
    const same = await store.addImage({ config: childConfig(image.config, { diffId: undefined, history: historyEntry({ createdBy: 'noop' }), created: spec.created }), names: ['base:2'] });
    expect(same.config.rootfs.diff_ids).toEqual(image.config.rootfs.diff_ids);
    expect(same.config.history!.at(-1)!.empty_layer).toBe(true);
    await expect(store.addImage({ config: imageConfig(spec, [tools]), names: ['x:1'] })).rejects.toThrow(/neither given nor in the store/);
    await expect(store.addImage({ config: imageConfig(spec, [tools]), layers: [tools], names: ['Bad Name'] })).rejects.toThrow(/invalid image name/);
    expect(store.layerBlob(tools.diffId)).toBeUndefined(); // a bad name stores nothing
  });

  it('moves tags; the old image stays untagged until prune', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const one = await addBase(store, ['app:1']);
    const two = await addApp(store, ['app:1']);
    expect(store.resolveImage('app:1').id).toBe(two.id);
    expect(store.images().find((i) => i.id === one.id)!.names).toEqual([]);
    expect((await openStore(setup, place)).images().map((i) => i.names)).toEqual([['app:1'], []]);
    const pruned = await store.prune();
    expect(pruned.images).toEqual([one.id]);
    expect(pruned.blobs).toHaveLength(2); // its config and manifest; the base layer is shared
    expect(store.images().map((i) => i.id)).toEqual([two.id]);
    expect(JSON.parse(text((await place.backend().documents.read('index.json'))!)).manifests).toHaveLength(1);
  });

  it('counts unreferenced blobs in df and deletes them in prune', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    await addBase(store);
    const orphan = await place.backend().blobs.put(new TextEncoder().encode('an orphan blob'));
    const reopened = await openStore(setup, place);
    const usage = await reopened.diskUsage();
    expect(usage.unreferenced).toEqual({ count: 1, bytes: 14 });
    expect(usage.totalBytes).toBe(usage.images.bytes + 14);
    expect((await reopened.prune()).blobs).toEqual([orphan]);
  });

  it('saves and loads archives, keeping image IDs and reusing stored layers', async () => {
    const source = await openStore(setup, setup.place());
    const image = await addApp(source);
    const target = setup.place();
    const store = await openStore(setup, target);
    await addBase(store);
    for (const format of ['docker', 'oci'] as const) {
      const files = await source.archive([{ image, names: ['app:1'] }], format);
      const before = await blobCount(target);
      const [loaded] = await store.loadImages(await readImageArchive(await filesSource(files)));
      expect(loaded!.id).toBe(image.id);
      expect(loaded!.names).toEqual(['app:1']);
      // docker: the app layer, config and manifest are new; oci: the same manifest again.
      expect(await blobCount(target)).toBe(format === 'docker' ? before + 3 : before);
      expect((await store.layers(loaded!)).map((l) => l.diffId)).toEqual([base.diffId, app.diffId]);
    }
  });

  it('refuses a layer that does not match its DiffID and stores no document for it', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const sources = [
      {
        names: ['bad:1'],
        configBytes: new TextEncoder().encode('{}'),
        config: imageConfig(spec, [app]),
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', diffId: app.diffId, ...layerOf(tools.toTar()) }],
      },
    ];
    const error = await store.loadImages(sources).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('DigestMismatchError');
    expect((await openStore(setup, place)).images()).toEqual([]);
    expect(await blobCount(place)).toBe(0);
  });

  it('refuses a layer blob that does not match the digest its manifest gives, gzip or plain, and stores nothing', async () => {
    const tar = tools.toTar();
    const gz = new Uint8Array(gzipSync(tar));
    const wrong = `sha256:${'0'.repeat(64)}`;
    for (const bytes of [gz, tar]) {
      const place = setup.place();
      const store = await openStore(setup, place);
      const source = {
        names: ['bad:1'],
        configBytes: new TextEncoder().encode('{}'),
        config: imageConfig(spec, [tools]),
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: wrong, diffId: tools.diffId, ...layerOf(bytes) }],
      };
      const error = await store.loadImages([source]).catch((e: unknown) => e);
      expect((error as DomainError).code).toBe('DigestMismatchError');
      expect(await blobCount(place)).toBe(0);
      // The right digest loads.
      const right = { ...source, layers: [{ ...source.layers[0]!, digest: sha256Digest(bytes) }] };
      expect((await store.loadImages([right]))[0]!.config.rootfs.diff_ids).toEqual([tools.diffId]);
    }
  });

  it('writes blobs before the documents that name them, and deletes them only after', async () => {
    const place = setup.place();
    const { backend, violations } = orderChecked(place.backend());
    const store = await openStore(setup, place, backend);
    const a = await addApp(store);
    await addTools(store);
    await store.tag(a, 'app:2');
    await store.createContainer(a, { name: 'c' });
    await edit(store, 'c', (fs) => fs.writeFileSync('/new', 'x'));
    await store.removeImage('app:1');
    await store.removeImage('app:2', { force: true });
    await store.removeImage('tools:1');
    await store.removeContainer(await store.resolveContainer('c'));
    expect(await blobCount(place)).toBe(0);
    expect(violations).toEqual([]);
  });

  it('appends small saves as segments, compacts them, and commits the same layer as a whole save', async () => {
    const place = setup.place();
    const store = await openStore(setup, place);
    const image = await addBase(store);
    const c = await store.createContainer(image, { name: 'web' });
    const whole = await store.createContainer(image, { name: 'whole' });
    // A base big enough that small saves are appended rather than compacted.
    const big = (fs: Awaited<ReturnType<Store['mount']>>['fs']): void => {
      for (let i = 0; i < 50; i++) fs.writeFileSync(`/data/f${i}`, 'x'.repeat(200), { flag: 'w' });
    };
    await edit(store, 'web', (fs) => (fs.mkdirSync('/data'), big(fs)));
    const steps: ((fs: Awaited<ReturnType<Store['mount']>>['fs']) => void)[] = [
      (fs) => fs.writeFileSync('/etc/motd', 'one'),
      (fs) => fs.unlinkSync('/data/f3'),
      (fs) => fs.rmSync('/doc', { recursive: true }),
      (fs) => fs.mkdirSync('/doc'),
      (fs) => fs.linkSync('/etc/motd', '/doc/motd'),
      (fs) => fs.appendFileSync('/doc/motd', ' two'),
      (fs) => fs.chmodSync('/data/f4', 0o600),
      (fs) => fs.renameSync('/data/f5', '/etc/f5'),
    ];
    for (const step of steps) await edit(store, 'web', step);
    const documents = place.backend().documents;
    expect((await documents.upperSegments(c.id)).map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The same changes saved whole, in one session.
    const mount = await store.mount(whole);
    mount.fs.mkdirSync('/data');
    big(mount.fs);
    for (const step of steps) step(mount.fs);
    await store.saveUpper(whole, mount);
    expect(await documents.upperSegments(whole.id)).toEqual([]);

    const reopened = await openStore(setup, place);
    const appended = await reopened.upperLayer(c);
    expect(appended.toTar()).toEqual((await reopened.upperLayer(whole)).toTar());
    expect((await reopened.mount(c)).commitSync().diffId).toBe((await reopened.mount(whole)).commitSync().diffId);
    const segmentBytes = (await documents.upperSegments(c.id)).reduce((n, s) => n + s.size, 0);
    expect(await reopened.upperSize(c)).toBe((await documents.containerFileSize(c.id, 'upper.tar'))! + segmentBytes);
    // Once the segments outgrow the base, a save compacts: the base again, no segments.
    await edit(reopened, 'web', (fs) => fs.writeFileSync('/etc/big', 'y'.repeat(80_000)));
    expect(await documents.upperSegments(c.id)).toEqual([]);
    expect(await reopened.upperSize(c)).toBe((await reopened.upperLayer(c)).toTar().length);
    expect((await reopened.upperLayer(c)).node('/doc/motd')).toBeDefined();
  });

  it('leaves the writable layer as before or after a save when killed at any write of it', async () => {
    const states: Uint8Array[] = [];
    const steps: ((fs: Awaited<ReturnType<Store['mount']>>['fs']) => void)[] = [
      (fs) => {
        for (let i = 0; i < 30; i++) fs.writeFileSync(`/f${i}`, 'x'.repeat(300));
      },
      (fs) => fs.writeFileSync('/etc/motd', 'one'),
      (fs) => fs.unlinkSync('/f1'),
      (fs) => fs.writeFileSync('/etc/big', 'y'.repeat(80_000)), // compacts
      (fs) => fs.rmSync('/doc', { recursive: true }),
    ];
    /** Each completed save's layer, as a whole save would give it. */
    {
      const store = await openStore(setup, setup.place());
      await store.createContainer(await addBase(store), { name: 'c' });
      const c = await store.resolveContainer('c');
      states.push((await store.upperLayer(c)).toTar());
      for (const step of steps) {
        await edit(store, 'c', step);
        states.push((await store.upperLayer(c)).toTar());
      }
    }
    let completed = false;
    let n = 0;
    for (; !completed; n++) {
      const place = setup.place();
      const setupStore = await openStore(setup, place);
      await setupStore.createContainer(await addBase(setupStore), { name: 'c' });
      let saved = 0;
      try {
        const store = await openStore(setup, place, failingAfter(place.backend(), n));
        for (const step of steps) {
          await edit(store, 'c', step);
          saved++;
        }
        completed = true;
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
      const store = await openStore(setup, place);
      const upper = (await store.upperLayer(await store.resolveContainer('c'))).toTar();
      // Killed inside a save: the layer of the save before, or (between a compaction's two writes) the one after.
      expect([states[saved], states[saved + 1]]).toContainEqual(upper);
      expect(n).toBeLessThan(50);
    }
    expect(n).toBeGreaterThan(steps.length);
  });

  it('leaves a store that opens and reads whole after a crash at any write', async () => {
    /** A session of every kind of write. */
    const session = async (store: Store): Promise<void> => {
      const a = await addApp(store);
      await store.createContainer(a, { name: 'c' });
      await edit(store, 'c', (fs) => fs.writeFileSync('/etc/motd', 'x'));
      await addTools(store);
      await store.removeImage('app:1', { force: true });
      await store.removeContainer(await store.resolveContainer('c'));
      await store.prune();
    };
    let completed = false;
    let n = 0;
    for (; !completed; n++) {
      const place = setup.place();
      try {
        await session(await openStore(setup, place, failingAfter(place.backend(), n)));
        completed = true;
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
      // The next process: the store opens, and everything it lists reads whole.
      const store = await openStore(setup, place);
      for (const image of store.images()) expect((await store.layers(image)).length).toBe(image.manifest.layers.length);
      for (const c of await store.containers()) await store.mount(c);
      // Nothing damaged or missing (issue 10, `overlay fsck`); unreferenced blobs are gc's.
      expect(await store.check()).toMatchObject({ clean: true, damagedImages: [], damagedContainers: [], corruptBlobs: [], missingBlobs: [] });
      await store.gc();
      expect((await store.check()).unreferencedBlobs).toEqual([]);
      expect(n).toBeLessThan(100);
    }
    expect(n).toBeGreaterThan(15); // the session makes that many writes, each a crash point
  });
});
