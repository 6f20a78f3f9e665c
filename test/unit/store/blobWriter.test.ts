import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import { DiskBlobStore } from '../../../src/host/index.js';
import { MemoryBlobStore, putChunks, type BlobStore } from '../../../src/image/index.js';

const stores: [string, () => { store: BlobStore; tmp?: string }][] = [
  ['memory', () => ({ store: new MemoryBlobStore() })],
  [
    'disk',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'overlay-blobw-'));
      return { store: new DiskBlobStore(dir, join(dir, 'tmp')), tmp: join(dir, 'tmp') };
    },
  ],
];

const bytes = new Uint8Array(3 * (1 << 20) + 17).map((_, i) => (i * 7) % 251);
const pieces = [bytes.subarray(0, 5), bytes.subarray(5, 2_000_000), bytes.subarray(2_000_000)];

describe.each(stores)('streamed blobs (%s)', (_name, make) => {
  it('putChunks stores the bytes under their digest, and chunks() reads them back in bounded pieces', async () => {
    const { store } = make();
    const { digest, size } = await putChunks(store, pieces);
    expect(digest).toBe(sha256Digest(bytes));
    expect(size).toBe(bytes.length);
    const read: Uint8Array[] = [];
    for await (const c of store.chunks(digest)) read.push(c);
    expect(Math.max(...read.map((c) => c.length))).toBeLessThanOrEqual(1 << 20);
    expect(Buffer.concat(read).equals(Buffer.from(bytes))).toBe(true);
  });

  it('a wrong expected digest stores nothing and leaves no temporary file', async () => {
    const { store, tmp } = make();
    await expect(putChunks(store, pieces, sha256Digest(new Uint8Array(1)))).rejects.toMatchObject({ code: 'DigestMismatchError' });
    expect(await store.list()).toEqual([]);
    if (tmp !== undefined && existsSync(tmp)) expect(readdirSync(tmp)).toEqual([]);
  });

  it('an aborted writer stores nothing', async () => {
    const { store, tmp } = make();
    const writer = store.writer();
    await writer.write(pieces[0]!);
    await writer.abort();
    await writer.abort();
    expect(await store.list()).toEqual([]);
    if (tmp !== undefined && existsSync(tmp)) expect(readdirSync(tmp)).toEqual([]);
  });
});
