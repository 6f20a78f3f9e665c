import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, Store, mapSource } from '../../../src/host/index.js';
import { childConfig, historyEntry, imageConfig, readImageArchive } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'overlay-store-')), 'store');
const clock = (): number => Date.UTC(2024, 0, 1);
const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };

const base = Layer.fromEntries([
  { path: '/etc/motd', type: 'file', content: 'hello' },
  { path: '/bin/ls', type: 'file', content: 'ls', mode: 0o755 },
  { path: '/doc/README', type: 'file', content: 'r' },
]);
const app = Layer.fromEntries([{ path: '/app/main', type: 'file', content: 'main' }]);
const tools = Layer.fromEntries([{ path: '/usr/bin/tool', type: 'file', content: 'tool' }]);

async function open(dir: string): Promise<Store> {
  return Store.open(dir, { clock, lockTimeoutMs: 200 });
}

async function withStore<T>(dir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await open(dir);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const blobCount = (dir: string): number => readdirSync(join(dir, 'blobs', 'sha256')).length;

describe('Store', () => {
  it('is created on first use as an OCI image layout', async () => {
    const dir = fresh();
    await withStore(dir, async () => undefined);
    expect(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, manifests: [] });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const other = fresh();
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(open(other)).rejects.toThrow(/not an overlay store/);
  });

  it('stores shared layers once and deletes blobs only when nothing uses them', async () => {
    const dir = fresh();
    await withStore(dir, async (store) => {
      const a = await store.addImage({ config: imageConfig(spec, [base, app]), layers: [base, app], names: ['app:1'] });
      await store.addImage({ config: imageConfig(spec, [base, tools]), layers: [base, tools], names: ['tools:1'] });
      expect(a.names).toEqual(['app:1']);
      // 3 layers + 2 configs + 2 manifests
      expect(blobCount(dir)).toBe(7);
      expect(store.diskUsage().layers).toMatchObject({ count: 3 });
      expect(store.diskUsage().layers.sharedBytes).toBe(store.layerBlob(base.diffId)!.size);
      store.tag(a, 'app:latest');
      let result = await store.removeImage('app:1');
      expect(result).toMatchObject({ untagged: ['app:1'], deleted: [] });
      expect(blobCount(dir)).toBe(7);
      result = await store.removeImage('app');
      expect(result.deleted).toEqual([a.id]);
      expect(result.blobs).toHaveLength(3); // app layer, its config and manifest; the base stays
      expect(blobCount(dir)).toBe(4);
      await store.removeImage('tools:1');
      expect(blobCount(dir)).toBe(0);
    });
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests).toEqual([]);
  });

  it('keeps a container, its image and its writable layer across processes', async () => {
    const dir = fresh();
    const before = await withStore(dir, async (store) => {
      const image = await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
      const c = await store.createContainer(image, { name: 'web' });
      const overlay = await store.mount(c);
      overlay.fs.writeFileSync('/etc/motd', 'changed');
      overlay.fs.unlinkSync('/bin/ls');
      overlay.fs.rmSync('/doc', { recursive: true });
      overlay.fs.mkdirSync('/doc');
      store.saveUpper(c, overlay);
      await expect(store.removeImage('base:1')).rejects.toThrow(/used by container web/);
      return overlay.diff();
    });
    await withStore(dir, async (store) => {
      const c = store.resolveContainer('web');
      expect(store.resolveContainer(c.id.slice(0, 6)).name).toBe('web');
      const overlay = await store.mount(c);
      expect(overlay.diff()).toEqual(before);
      expect(new TextDecoder().decode(overlay.fs.readFileSync('/etc/motd') as Uint8Array)).toBe('changed');
      // --force untags; the container keeps the blobs alive.
      await store.removeImage('base:1', { force: true });
      expect(store.images()).toEqual([]);
      expect((await store.mount(c)).diff()).toEqual(before);
      const gc = await store.removeContainer(c);
      expect(gc.blobs).toHaveLength(3);
    });
    expect(blobCount(dir)).toBe(0);
  });

  it('commits a container into a child image (empty diffs add an empty_layer entry)', async () => {
    const dir = fresh();
    await withStore(dir, async (store) => {
      const image = await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
      const c = await store.createContainer(image);
      expect(c.name).toBe('base-1');
      const overlay = await store.mount(c);
      const empty = overlay.commitSync();
      const same = await store.addImage({ config: childConfig(image.config, { diffId: undefined, history: historyEntry({ createdBy: 'noop' }), created: spec.created }), names: ['base:2'] });
      expect(same.config.rootfs.diff_ids).toEqual(image.config.rootfs.diff_ids);
      expect(same.config.history!.at(-1)!.empty_layer).toBe(true);
      expect(empty.entries()).toEqual([]);
    });
  });

  it('moves tags; the old image stays untagged until prune', async () => {
    const dir = fresh();
    await withStore(dir, async (store) => {
      const one = await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['app:1'] });
      const two = await store.addImage({ config: imageConfig(spec, [base, app]), layers: [base, app], names: ['app:1'] });
      expect(store.resolveImage('app:1').id).toBe(two.id);
      expect(store.images().find((i) => i.id === one.id)!.names).toEqual([]);
      const pruned = await store.prune();
      expect(pruned.images).toEqual([one.id]);
      expect(store.images().map((i) => i.id)).toEqual([two.id]);
    });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
  });

  it('survives a killed process: stale lock, temporary files and half-made containers', async () => {
    const dir = fresh();
    await withStore(dir, async (store) => {
      await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
    });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), started: 'then' }));
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    writeFileSync(join(dir, 'tmp', 'index.json.1.abc.tmp'), '{"half":');
    mkdirSync(join(dir, 'containers', '.new-abc'), { recursive: true });
    writeFileSync(join(dir, 'blobs', 'sha256', 'f'.repeat(64)), 'an orphan blob');
    await withStore(dir, async (store) => {
      expect(store.images().map((i) => i.names)).toEqual([['base:1']]);
      expect(store.containers()).toEqual([]);
      expect(store.diskUsage().unreferenced.count).toBe(1);
      expect((await store.prune()).blobs).toEqual([`sha256:${'f'.repeat(64)}`]);
    });
    expect(readdirSync(join(dir, 'containers'))).toEqual([]);
    expect(existsSync(join(dir, 'tmp'))).toBe(false);
  });

  it('saves and loads archives, keeping image IDs and reusing stored layers', async () => {
    const dir = fresh();
    const other = fresh();
    const files = await withStore(dir, async (store) => {
      const image = await store.addImage({ config: imageConfig(spec, [base, app]), layers: [base, app], names: ['app:1'] });
      return { docker: await store.archive([{ image, names: ['app:1'] }], 'docker'), id: image.id };
    });
    await withStore(other, async (store) => {
      await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
      const before = blobCount(other);
      const sources = await readImageArchive(mapSource(new Map(files.docker.map((f) => [f.path, f.bytes])), 'test'));
      const [loaded] = await store.loadImages(sources);
      expect(loaded!.id).toBe(files.id);
      expect(loaded!.names).toEqual(['app:1']);
      expect(blobCount(other)).toBe(before + 3); // the app layer, config and manifest; base reused
      const layers = await store.layers(loaded!);
      expect(layers.map((l) => l.diffId)).toEqual([base.diffId, app.diffId]);
    });
  });
});
