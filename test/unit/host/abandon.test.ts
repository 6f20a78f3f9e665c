import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskStore, LOCK_FILE } from '../../../src/host/index.js';
import { imageConfig } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'overlay-abandon-')), 'store');
const clock = (): number => Date.UTC(2024, 0, 1);
const spec = { architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' };
const layer = (content: string): Layer => Layer.fromEntries([{ path: '/etc/motd', type: 'file', content }]);
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** What Ctrl-C does to a store (src/cli/main.ts): DiskStore.abandon, and test/e2e/signals.test.ts end to end. */
describe('DiskStore.abandon', () => {
  it('deletes the blobs and layer caches written since the last index.json, and keeps what index.json names', async () => {
    const dir = fresh();
    const store = await DiskStore.open(dir, { clock });
    const first = layer('one');
    await store.addImage({ config: imageConfig(spec, [first]), layers: [first], names: ['one'] });
    const blobs = files(join(dir, 'blobs', 'sha256'));
    const caches = files(join(dir, 'cache', 'layers'));
    const index = readFileSync(join(dir, 'index.json'));
    // Work a command did before it would write its document: the first layer of an image is
    // stored (blob, index and pack), then the image fails on its second, which nobody gives.
    const second = layer('two');
    await expect(store.addImage({ config: imageConfig(spec, [second, layer('three')]), layers: [second], names: ['two'] })).rejects.toThrow(/neither given nor in the store/);
    expect(files(join(dir, 'cache', 'layers')).length).toBe(caches.length + 2);
    writeFileSync(join(store.tmpDir, `blob.${process.pid}.abcdef.tmp`), 'half');
    writeFileSync(join(store.tmpDir, 'blob.1.abcdef.tmp'), 'not ours');
    expect(files(join(dir, 'blobs', 'sha256')).length).toBe(blobs.length + 1);
    store.abandon();
    expect(files(join(dir, 'blobs', 'sha256'))).toEqual(blobs);
    expect(files(join(dir, 'cache', 'layers'))).toEqual(caches);
    expect(readFileSync(join(dir, 'index.json'))).toEqual(index);
    expect(files(store.tmpDir)).toEqual(['blob.1.abcdef.tmp']);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // The store opens as it was.
    const again = await DiskStore.open(dir, { clock });
    expect(again.images().map((i) => i.names)).toEqual([['one:latest']]);
    again.close();
  });

  it('after a clean close there is nothing to undo', async () => {
    const dir = fresh();
    const store = await DiskStore.open(dir, { clock });
    const only = layer('one');
    await store.addImage({ config: imageConfig(spec, [only]), layers: [only], names: ['one'] });
    const blobs = files(join(dir, 'blobs', 'sha256'));
    store.close();
    store.abandon();
    expect(files(join(dir, 'blobs', 'sha256'))).toEqual(blobs);
  });
});
