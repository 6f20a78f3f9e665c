import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors/index.js';
import { Layer, type LayerEntry, type LayerEntryInput } from '../../src/layer/index.js';

/**
 * Law: the canonical tar loses nothing the layer model holds. For every valid layer,
 * `Layer.fromTar(layer.toTar())` has the same entries and the same diffId.
 */

const seed = (globalThis as { __overlaySeed?: number }).__overlaySeed;

// A small alphabet so paths collide and nest; one non-ASCII name and two long ones push the
// writer into PAX `path` records and the USTAR prefix split.
const component = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'a-b', 'ü') },
  { weight: 1, arbitrary: fc.constantFrom('L'.repeat(99), 'M'.repeat(140)) },
);
const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => '/' + parts.join('/'));

const meta = fc.record(
  {
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70000 }), fc.integer({ min: 0o7777777, max: 2 ** 32 })),
    gid: fc.oneof(fc.constant(0), fc.integer({ min: 0o7777777, max: 2 ** 32 })),
    mtime: fc.oneof(
      fc.integer({ min: 0, max: 2_000_000_000 }).map((s) => s * 1000),
      fc.integer({ min: -1e12, max: 1e13 }).map((ms) => ms || 0),
    ),
    xattrs: fc.dictionary(fc.constantFrom('user.a', 'user.b', 'security.capability', 'trusted.ü'), fc.string({ unit: 'grapheme', maxLength: 12 }), {
      maxKeys: 2,
    }),
  },
  { requiredKeys: [] },
);

type Spec =
  | { kind: 'file'; content: Uint8Array }
  | { kind: 'dir' }
  | { kind: 'opaque' }
  | { kind: 'symlink'; target: string }
  | { kind: 'hardlink'; pick: number };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 1200 }).map((content) => ({ kind: 'file' as const, content })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'dir' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'opaque' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(path, fc.constantFrom('../x', 'rel/target', 'ü', '/' + 'T'.repeat(120)))
      .map((target) => ({ kind: 'symlink' as const, target })),
  },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'hardlink' as const, pick })) },
);

/**
 * Valid inputs for `Layer.fromEntries`: one object per path, nothing below a non-directory,
 * hard links to a file or symlink of the same list, whiteouts anywhere but the root (beside
 * an object of the same path, or with entries below, they make opaque directories).
 */
const layerEntries: fc.Arbitrary<LayerEntryInput[]> = fc
  .record({
    objects: fc.uniqueArray(fc.tuple(path, spec, meta), { selector: ([p]) => p, maxLength: 14 }),
    whiteouts: fc.uniqueArray(path, { maxLength: 4 }),
    root: fc.option(fc.tuple(fc.constantFrom('dir' as const, 'opaque' as const), meta), { nil: undefined }),
  })
  .map(({ objects, whiteouts, root }) => {
    const sorted = [...objects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const nonDirs = new Set<string>();
    const below = (p: string): boolean => {
      for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) if (nonDirs.has(p.slice(0, i))) return true;
      return false;
    };
    const kept = sorted.filter(([p, s]) => {
      if (below(p)) return false;
      if (s.kind !== 'dir' && s.kind !== 'opaque') nonDirs.add(p);
      return true;
    });
    const linkable = kept.filter(([, s]) => s.kind === 'file' || s.kind === 'symlink').map(([p]) => p);
    const entries: LayerEntryInput[] = [];
    for (const [p, s, m] of kept) {
      switch (s.kind) {
        case 'file':
          entries.push({ path: p, type: 'file', content: s.content, ...m });
          break;
        case 'dir':
        case 'opaque':
          entries.push({ path: p, type: s.kind, ...m });
          break;
        case 'symlink':
          entries.push({ path: p, type: 'symlink', target: s.target, ...m });
          break;
        case 'hardlink':
          if (linkable.length > 0) entries.push({ path: p, type: 'hardlink', target: linkable[s.pick % linkable.length]! });
          break;
      }
    }
    // A whiteout below a non-directory of this layer would put an entry below it: invalid.
    for (const w of whiteouts) if (!below(w)) entries.push({ path: w, type: 'whiteout' });
    if (root !== undefined) entries.push({ path: '/', type: root[0], ...root[1] });
    return entries;
  });

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

describe(`tar round trip (seed ${String(seed)})`, () => {
  it('Layer.fromTar(layer.toTar()) keeps entries() and the diffId', async () => {
    await fc.assert(
      fc.asyncProperty(layerEntries, fc.oneof(fc.constant(0), fc.integer({ min: 37, max: 3000 })), async (entries, chunk) => {
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
      fc.asyncProperty(layerEntries, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (entries, mutations, gzip) => {
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
