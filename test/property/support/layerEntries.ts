import fc from 'fast-check';
import type { LayerEntryInput } from '../../../src/index.js';

/**
 * Random valid inputs for `Layer.fromEntries` that reach every corner of the canonical tar:
 * names past the 100-byte USTAR field (split into prefix and name up to 255 bytes, a PAX `path`
 * record beyond), names with 2-, 3- and 4-byte UTF-8 characters, ids above the 7-digit octal
 * field, millisecond and negative times, xattrs (some longer than a tar block), long and
 * non-ASCII symlink and hard-link targets, hard links to files and symlinks, whiteouts and
 * opaque directories (explicit, and implicit: a whiteout with entries below it).
 *
 * A small alphabet of short components makes paths collide and nest.
 */
export interface LayerEntriesConstraints {
  /** Most objects (files, directories, symlinks, hard links) before pruning; default 14. */
  maxObjects?: number;
  /** Most whiteouts; default 4. */
  maxWhiteouts?: number;
}

const component = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('a', 'b', 'c', 'a-b', 'ü', '€', '😀') },
  // 99 and 100 bytes sit on the edge of the USTAR name field; 140 needs the prefix split;
  // 120 bytes of 'é' (2 bytes each) need a PAX record whatever their length.
  { weight: 2, arbitrary: fc.constantFrom('L'.repeat(99), 'N'.repeat(100), 'M'.repeat(140), 'é'.repeat(60)) },
);

const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => '/' + parts.join('/'));

const xattrValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  // A PAX header longer than one 512-byte block.
  { weight: 1, arbitrary: fc.constant('v'.repeat(700)) },
);

const meta = fc.record(
  {
    mode: fc.integer({ min: 0, max: 0o7777 }),
    uid: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70000 }), fc.integer({ min: 0o7777777, max: 2 ** 32 })),
    gid: fc.oneof(fc.constant(0), fc.integer({ min: 0o7777777, max: 2 ** 32 })),
    mtime: fc.oneof(
      fc.integer({ min: 0, max: 2_000_000_000 }).map((s) => s * 1000),
      fc.integer({ min: -1e12, max: 1e13 }).map((ms) => ms || 0),
    ),
    xattrs: fc.dictionary(fc.constantFrom('user.a', 'user.b', 'security.capability', 'trusted.ü', 'user.' + 'x'.repeat(120)), xattrValue, {
      maxKeys: 2,
    }),
  },
  { requiredKeys: [] },
);

const content = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 1200 }) },
  // Block edges, and sizes the hashing sink passes to the hasher without copying.
  { weight: 1, arbitrary: fc.constantFrom(0, 511, 512, 513, 1024).map((n) => new Uint8Array(n).fill(n & 0xff)) },
  { weight: 1, arbitrary: fc.integer({ min: 16_000, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
);

const linkTarget = fc.oneof(
  path,
  fc.constantFrom('../x', 'rel/target', 'ü', '€/😀', '/' + 'T'.repeat(120), 'T'.repeat(300), 'é'.repeat(51)),
);

type Spec =
  | { kind: 'file'; content: Uint8Array }
  | { kind: 'dir' }
  | { kind: 'opaque' }
  | { kind: 'symlink'; target: string }
  | { kind: 'hardlink'; pick: number };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 4, arbitrary: content.map((bytes) => ({ kind: 'file' as const, content: bytes })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'dir' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'opaque' as const }) },
  { weight: 1, arbitrary: linkTarget.map((target) => ({ kind: 'symlink' as const, target })) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'hardlink' as const, pick })) },
);

/**
 * One object per path, nothing below a non-directory, hard links to a file or symlink of the
 * same list, whiteouts anywhere but the root (beside an object of the same path, or with
 * entries below, they make opaque directories), and sometimes an explicit root.
 */
export function layerEntries(constraints: LayerEntriesConstraints = {}): fc.Arbitrary<LayerEntryInput[]> {
  const { maxObjects = 14, maxWhiteouts = 4 } = constraints;
  return fc
    .record({
      objects: fc.uniqueArray(fc.tuple(path, spec, meta), { selector: ([p]) => p, maxLength: maxObjects }),
      whiteouts: fc.uniqueArray(path, { maxLength: maxWhiteouts }),
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
}
