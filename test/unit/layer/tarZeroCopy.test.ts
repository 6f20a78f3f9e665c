import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import { DomainError } from '../../../src/errors/index.js';
import { BytesContent, Layer, concatBytes, contentBytes, fileInode, type Content, type LayerNode } from '../../../src/layer/index.js';
import { ChunkedContent } from '../../../src/layer/tar/ChunkedContent.js';

/**
 * The tar codec copies file data as little as it can (issue 9, "A zero-copy codec"): `toTar()`
 * writes every byte once into one array of the final size, and `Layer.fromTar` keeps views into
 * the tar's bytes (or the chunks they arrived in) rather than copies.
 */

function fileContent(layer: Layer, path: string): Content {
  const node = layer.node(path);
  if (node?.kind !== 'file' || node.inode.type !== 'file') throw new Error(`no file at ${path}`);
  return node.inode.content;
}

const sample = (): Layer =>
  Layer.fromEntries([
    { path: '/a/big', type: 'file', content: new Uint8Array(300_000).map((_, i) => i & 0xff) },
    { path: '/a/small', type: 'file', content: 'small' },
    { path: '/a/empty', type: 'file' },
    { path: '/a/link', type: 'symlink', target: 'big' },
    { path: '/' + 'long/'.repeat(40) + 'name', type: 'file', content: 'pax' },
    { path: '/gone', type: 'whiteout' },
  ]);

describe('toTar', () => {
  it('gives one new array of exactly the tar, equal to the chunks and to what the diffId hashes', () => {
    const layer = sample();
    const tar = layer.toTar();
    expect(tar.byteOffset).toBe(0);
    expect(tar.buffer.byteLength).toBe(tar.length);
    expect(tar).toEqual(concatBytes([...layer.tarChunks()]));
    expect(sha256Digest(tar)).toBe(layer.diffId);
    // Callers may change what they get: the next call is not affected.
    tar.fill(0xee);
    expect(sha256Digest(layer.toTar())).toBe(layer.diffId);
  });

  it('refuses content whose chunks add up to more than its size, without writing past the end', () => {
    const liar: Content = { size: 10, read: () => new Uint8Array(10), chunks: () => [new Uint8Array(600), new Uint8Array(600)] };
    const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0, xattrs: {} };
    const layer = Layer.fromNodes(new Map<string, LayerNode>([['/f', { kind: 'file', inode: fileInode(1, meta, liar) }]]));
    expect(() => layer.toTar()).toThrow(DomainError);
    expect(() => layer.toTar()).toThrow(/content of \/f has 1200 bytes, not its size 10/);
  });
});

describe('Layer.fromTar keeps views, not copies', () => {
  it('of in-memory tar bytes: every file is a view into the input', async () => {
    const tar = sample().toTar();
    const back = await Layer.fromTar(tar);
    for (const path of ['/a/big', '/a/small']) {
      const content = fileContent(back, path);
      expect(content).toBeInstanceOf(BytesContent);
      expect((content as BytesContent).bytes.buffer).toBe(tar.buffer);
    }
    expect(back.diffId).toBe(sha256Digest(tar));
  });

  it('of streamed chunks: a file spanning chunks keeps the views it arrived in', async () => {
    const tar = sample().toTar();
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < tar.length; i += 4096) pieces.push(tar.slice(i, i + 4096));
    async function* stream(): AsyncIterable<Uint8Array> {
      yield* pieces;
    }
    const back = await Layer.fromTar(stream());
    const big = fileContent(back, '/a/big');
    expect(big).toBeInstanceOf(ChunkedContent);
    const buffers = new Set(pieces.map((p) => p.buffer));
    for (const chunk of big.chunks()) expect(buffers.has(chunk.buffer)).toBe(true);
    expect(contentBytes(big)).toEqual(contentBytes(fileContent(sample(), '/a/big')));
    expect(back.diffId).toBe(sha256Digest(tar));
  });

  it('of gzip input: views into the gunzipped chunks stay intact once the whole stream is read', async () => {
    // Several files, each over many output chunks of the decompressor: a decompressor that
    // reused its output buffers would overwrite the earlier files' views.
    const random = (seed: number): Uint8Array => {
      let x = seed;
      return new Uint8Array(200_000).map(() => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
    };
    const layer = Layer.fromEntries(Array.from({ length: 8 }, (_, i) => ({ path: `/r${i}`, type: 'file' as const, content: random(i + 1) })));
    const gz = new Uint8Array(gzipSync(layer.toTar()));
    async function* split(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < gz.length; i += 1000) yield gz.slice(i, i + 1000);
    }
    for (const input of [gz, split()]) {
      const back = await Layer.fromTar(input);
      expect(back.entries()).toEqual(layer.entries());
      expect(back.diffId).toBe(layer.diffId);
    }
  });
});

describe('ChunkedContent', () => {
  const chunksArb = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 });

  it('reads any range like the joined bytes; a view when the range lies in one chunk', () => {
    fc.assert(
      fc.property(chunksArb, fc.integer({ min: -5, max: 400 }), fc.nat({ max: 400 }), (chunks, offset, length) => {
        const content = new ChunkedContent(chunks);
        const joined = concatBytes([...chunks, new Uint8Array(0)]);
        expect(content.size).toBe(joined.length);
        const start = Math.max(0, Math.min(offset, joined.length));
        const end = Math.max(start, Math.min(offset + length, joined.length));
        const got = content.read(offset, length);
        expect([...got]).toEqual([...joined.subarray(start, end)]);
        let at = 0;
        const inOne = chunks.some((c) => {
          const ok = start >= at && end <= at + c.length;
          at += c.length;
          return ok;
        });
        if (end > start) expect(chunks.some((c) => c.buffer === got.buffer)).toBe(inOne);
      }),
    );
    expect([...new ChunkedContent([new Uint8Array([1]), new Uint8Array([2])]).chunks()]).toHaveLength(2);
  });
});
