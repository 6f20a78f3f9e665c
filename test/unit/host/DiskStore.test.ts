import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskStore, LOCK_FILE, Store } from '../../../src/host/index.js';
import { imageConfig } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'overlay-store-')), 'store');
const clock = (): number => Date.UTC(2024, 0, 1);
const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };

const base = Layer.fromEntries([
  { path: '/etc/motd', type: 'file', content: 'hello' },
  { path: '/bin/ls', type: 'file', content: 'ls', mode: 0o755 },
  { path: '/doc/README', type: 'file', content: 'r' },
]);

async function open(dir: string): Promise<DiskStore> {
  return DiskStore.open(dir, { clock, lockTimeoutMs: 200 });
}

async function withStore<T>(dir: string, fn: (s: DiskStore) => Promise<T>): Promise<T> {
  const store = await open(dir);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const blobCount = (dir: string): number => readdirSync(join(dir, 'blobs', 'sha256')).length;

/** The disk side of the store; the store's own rules run in test/unit/store/contract.test.ts. */
describe('DiskStore', () => {
  it('is created on first use as an OCI image layout, and refuses a directory that is something else', async () => {
    const dir = fresh();
    await withStore(dir, async () => undefined);
    expect(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, manifests: [] });
    expect(readdirSync(dir).filter((n) => n !== 'tmp').sort()).toEqual(['blobs', 'containers', 'index.json', 'oci-layout']);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const other = fresh();
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(open(other)).rejects.toThrow(/not an overlay store/);
    const future = fresh();
    mkdirSync(future, { recursive: true });
    writeFileSync(join(future, 'oci-layout'), '{"imageLayoutVersion":"9.0.0"}');
    await expect(open(future)).rejects.toThrow(/9.0.0/);
    expect(readdirSync(future)).toEqual(['oci-layout']); // refused before anything was made
  });

  it('is still exported as Store, holds its lock until closed, and keeps files where the README says', async () => {
    expect(Store).toBe(DiskStore);
    const dir = fresh();
    const store = await open(dir);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    await expect(DiskStore.open(dir, { lockTimeoutMs: 50 })).rejects.toThrow(/already locked by this process/);
    const image = await store.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
    const c = await store.createContainer(image, { name: 'web' });
    store.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(blobCount(dir)).toBe(3);
    expect(existsSync(join(dir, 'blobs', 'sha256', image.manifestDigest.slice(7)))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'containers', c.id, 'container.json'), 'utf8'))).toEqual({
      created: '2024-01-01T00:00:00.000Z',
      image: image.manifestDigest,
      imageId: image.id,
      name: 'web',
    });
    expect(readFileSync(join(dir, 'containers', c.id, 'upper.tar')).length).toBe(1024);
    // Layer blobs are gzip, written by Node's zlib.
    expect([...readFileSync(join(dir, 'blobs', 'sha256', image.manifest.layers[0]!.digest.slice(7))).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
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
    mkdirSync(join(dir, 'containers', `.trash-${'e'.repeat(64)}`), { recursive: true });
    writeFileSync(join(dir, 'blobs', 'sha256', 'f'.repeat(64)), 'an orphan blob');
    await withStore(dir, async (store) => {
      expect(store.images().map((i) => i.names)).toEqual([['base:1']]);
      expect(await store.containers()).toEqual([]);
      expect((await store.diskUsage()).unreferenced.count).toBe(1);
      expect((await store.prune()).blobs).toEqual([`sha256:${'f'.repeat(64)}`]);
    });
    expect(readdirSync(join(dir, 'containers'))).toEqual([]);
    expect(existsSync(join(dir, 'tmp'))).toBe(false);
  });

  it('is shared by readers, which write no document, blob or container but may rebuild a layer cache', async () => {
    const dir = fresh();
    // A store not made yet is opened for writing (it is being made), even by a reader.
    const first = await DiskStore.open(dir, { clock, access: 'read' });
    await expect(DiskStore.open(dir, { access: 'read', lockTimeoutMs: 50 })).rejects.toThrow(/already locked by this process/);
    const image = await first.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:1'] });
    first.close();
    rmSync(join(dir, 'cache'), { recursive: true });
    const a = await DiskStore.open(dir, { clock, access: 'read', lockTimeoutMs: 50 });
    const b = await DiskStore.open(dir, { clock, access: 'read', lockTimeoutMs: 50 });
    try {
      expect(readdirSync(join(dir, LOCK_FILE))).toHaveLength(2);
      const layers = await b.layers(image);
      expect(layers).toHaveLength(1);
      expect(readdirSync(join(dir, 'cache', 'layers')).length).toBeGreaterThan(0);
      await expect(a.addImage({ config: imageConfig(spec, [base]), layers: [base], names: ['base:2'] })).rejects.toMatchObject({ code: 'StoreReadOnlyError' });
      await expect(a.createContainer(image, { name: 'web' })).rejects.toMatchObject({ code: 'StoreReadOnlyError' });
      // A writer waits for both readers.
      await expect(DiskStore.open(dir, { lockTimeoutMs: 50 })).rejects.toThrow(/already locked by this process/);
    } finally {
      a.close();
      b.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await withStore(dir, async (store) => {
      expect(store.images().map((i) => i.names)).toEqual([['base:1']]);
      expect(await store.containers()).toEqual([]);
    });
  });

  it('a reader clears the temporary files of processes that are gone, and leaves those of live ones', async () => {
    const dir = fresh();
    (await DiskStore.open(dir, { clock })).close();
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    // No process has pid 2^22 + 1 (Linux's pid_max is at most 2^22).
    const dead = `index.json.${2 ** 22 + 1}.5551ae6df1c8.tmp`;
    const live = `index.json.${process.ppid}.0123456789ab.tmp`;
    for (const name of [dead, live]) writeFileSync(join(dir, 'tmp', name), 'x');
    const reader = await DiskStore.open(dir, { clock, access: 'read' });
    reader.close();
    expect(readdirSync(join(dir, 'tmp'))).toEqual([live]);
  });
});
