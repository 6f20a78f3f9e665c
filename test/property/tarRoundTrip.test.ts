import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors/index.js';
import { nobleSha256, sha256Digest } from '../../src/digest/index.js';
import { Layer, Overlay, type LayerEntry } from '../../src/index.js';
import { runs } from './support/config.js';
import { layerEntries } from './support/layerEntries.js';

/**
 * Laws of the canonical tar:
 * - the diffId is the digest of the tar bytes: `diffId === sha256(toTar())`, for layers built
 *   from entries and for committed uppers (whose files are block-patched contents);
 * - the tar loses nothing the layer model holds: `Layer.fromTar(layer.toTar())` has the same
 *   entries and the same diffId.
 * The layers (support/layerEntries.ts) have long and non-ASCII names, PAX records, hard links,
 * xattrs, symlinks, whiteouts and opaque directories.
 */

const seed = (globalThis as { __overlaySeed?: number }).__overlaySeed;

const layerEntriesArb = layerEntries();

/** The tar in chunks of a random size, so the parser meets every boundary. */
async function* split(tar: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < tar.length; i += size) yield tar.subarray(i, i + size);
}

/**
 * Entries with file data as hex: deep equality over typed arrays goes element by element
 * and would dominate the run time.
 */
function comparable(entries: LayerEntry[]): unknown[] {
  return entries.map((e) => {
    if (e.content === undefined) return e;
    expect(e.content).toBeInstanceOf(Uint8Array);
    return { ...e, content: Buffer.from(e.content.buffer, e.content.byteOffset, e.content.length).toString('hex') };
  });
}

describe(`diffId matches the tar bytes (seed ${String(seed)})`, () => {
  it('diffId === sha256(toTar()) === sha256(tarChunks())', () => {
    fc.assert(
      fc.property(layerEntriesArb, (entries) => {
        const layer = Layer.fromEntries(entries);
        // An independent hasher over the collected bytes, against the streaming digest.
        const digest = sha256Digest(layer.toTar(), nobleSha256);
        expect(layer.diffId).toBe(digest);
        expect(sha256Digest(layer.tarChunks())).toBe(digest);
      }),
      runs(200),
    );
  });

  // Writes into lower files at random offsets (some past the end, some across 64 KiB blocks)
  // and new hard links, so the committed upper holds patched contents and shared inodes.
  const write = fc.record({ file: fc.nat(), offset: fc.nat({ max: 200_000 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 70_000 }) });
  const link = fc.record({ file: fc.nat(), name: fc.constantFrom('/x', '/a/x', '/' + 'h'.repeat(120)) });

  it('holds for committed uppers too', () => {
    fc.assert(
      fc.property(layerEntries({ maxObjects: 10 }), fc.array(fc.oneof(write, link), { minLength: 1, maxLength: 4 }), (entries, ops) => {
        const lower = Layer.fromEntries(entries);
        const files = lower.entries().filter((e) => e.type === 'file').map((e) => e.path);
        fc.pre(files.length > 0);
        const ov = new Overlay({ lowers: [lower], clock: () => 1_700_000_000_123 });
        for (const op of ops) {
          const path = files[op.file % files.length]!;
          try {
            if ('bytes' in op) {
              const fd = ov.fs.openSync(path, 'r+');
              ov.fs.writeSync(fd, op.bytes, 0, op.bytes.length, op.offset);
              ov.fs.closeSync(fd);
            } else {
              ov.fs.linkSync(path, op.name);
            }
          } catch (error) {
            // A link name that exists or has no parent: the op is simply not done.
            expect(error).toHaveProperty('code');
          }
        }
        const upper = ov.commitSync();
        expect(upper.diffId).toBe(sha256Digest(upper.toTar(), nobleSha256));
      }),
      runs(60),
    );
  });
});

describe(`tar round trip (seed ${String(seed)})`, () => {
  it('Layer.fromTar(layer.toTar()) keeps entries() and the diffId', async () => {
    await fc.assert(
      fc.asyncProperty(layerEntriesArb, fc.oneof(fc.constant(0), fc.integer({ min: 37, max: 3000 })), async (entries, chunk) => {
        const layer = Layer.fromEntries(entries);
        const tar = layer.toTar();
        const back = await Layer.fromTar(chunk === 0 ? tar : split(tar, chunk));
        expect(comparable(back.entries())).toStrictEqual(comparable(layer.entries()));
        // Same digest of the canonical tar: the re-read layer writes the very same bytes.
        expect(back.diffId).toBe(layer.diffId);
      }),
    );
  });
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
  // A header field changed with a valid checksum, so the parser takes it seriously.
  fc.record({ kind: fc.constant('header' as const), at: fc.nat(), offset: fc.integer({ min: 0, max: 499 }), value: fc.integer({ min: 0, max: 255 }) }),
);

/** Recomputes the checksum of the 512-byte header at `at` (after a change to its fields). */
function fixChecksum(tar: Uint8Array, at: number): void {
  const block = tar.subarray(at, at + 512);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.set(new TextEncoder().encode(sum.toString(8).padStart(6, '0')), 148);
  block[154] = 0;
}

describe(`tar reader on damaged input (seed ${String(seed)})`, () => {
  it('settles with entries or a typed error, never hangs or crashes', async () => {
    await fc.assert(
      fc.asyncProperty(layerEntriesArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (entries, mutations, gzip) => {
        let tar = Layer.fromEntries(entries).toTar();
        for (const m of mutations) {
          const at = m.at % (tar.length + 1);
          if (m.kind === 'flip') {
            tar = tar.slice();
            if (at < tar.length) tar[at] = m.value;
          } else if (m.kind === 'header') {
            const headers: number[] = [];
            for (let h = 0; h + 512 <= tar.length; h += 512) if (tar[h + 257] === 0x75 && tar[h + 258] === 0x73) headers.push(h);
            if (headers.length === 0 || (m.offset >= 148 && m.offset < 156)) continue;
            const h = headers[m.at % headers.length]!;
            tar = tar.slice();
            tar[h + m.offset] = m.value;
            fixChecksum(tar, h);
          } else if (m.kind === 'cut') {
            tar = tar.subarray(0, at);
          } else {
            const out = new Uint8Array(tar.length + m.bytes.length);
            out.set(tar.subarray(0, at));
            out.set(m.bytes, at);
            out.set(tar.subarray(at), at + m.bytes.length);
            tar = out;
          }
        }
        const input = gzip ? new Uint8Array(gzipSync(tar)) : tar;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const outcome = await Promise.race([
          Layer.fromTar(input).then(
            () => 'ok',
            (e: unknown) => (e instanceof DomainError ? e.code : e),
          ),
          new Promise((resolve) => (timer = setTimeout(() => resolve('hang'), 5000))),
        ]);
        clearTimeout(timer);
        expect(['ok', 'LayerFormatError', 'UnsafeTarEntryError']).toContain(outcome);
      }),
    );
  });
});
