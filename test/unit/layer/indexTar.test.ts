/**
 * `Layer.fromIndexedTar` (src/layer/tar/indexTar.ts) against the streaming reader: for every
 * tar it either declines (`undefined`: the caller then streams) or gives the same layer, file
 * bytes included, reading file data only on demand. Its columns straight from the headers
 * (tarColumns.ts), when it takes that way, are those of the streaming reader's layer.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Layer, RangeContent, ROW_DIR, ROW_FILE, ROW_KIND, ROW_SYMLINK, contentBytes, defaultTarLimits, type LayerColumns, type PositionedReader } from '../../../src/layer/index.js';
import { headerSum, headerSumOfWords } from '../../../src/layer/tar/header.js';
import { indexLayerTarColumns } from '../../../src/layer/tar/indexTar.js';
import { layerEntries } from '../../property/support/layerEntries.js';
import { runs } from '../../property/support/config.js';
import { gnuTars } from './support/gnuTars.js';
import { rawTar, type RawMember } from './support/rawTar.js';

/** Reads of `bytes`, counted; with `readInto` as the host's file reader has it. */
function memoryReader(bytes: Uint8Array): PositionedReader & { dataReads: number } {
  const reader = {
    dataReads: 0,
    read(position: number, length: number): Uint8Array {
      reader.dataReads++;
      return bytes.slice(position, position + length);
    },
    readInto(buffer: Uint8Array, position: number): number {
      const part = bytes.subarray(position, position + buffer.length);
      buffer.set(part);
      return part.length;
    },
  };
  return reader;
}

/** The streaming reader's layer, or its error's message. */
async function streamed(tar: Uint8Array): Promise<Layer | string> {
  return Layer.fromTar(tar).catch((e: unknown) => String(e));
}

/** Every row of two layers' columns says the same: path, kind, attributes, object, data or target. */
function expectSameColumns(got: LayerColumns, want: LayerColumns): void {
  expect(got.paths).toEqual(want.paths);
  expect([...got.kinds]).toEqual([...want.kinds]);
  expect([...got.objects]).toEqual([...want.objects]);
  expect([...got.objectSizes]).toEqual([...want.objectSizes]);
  expect(got.bytes).toBe(want.bytes);
  const attributes = (c: LayerColumns, i: number): number[] | undefined =>
    (c.kinds[i]! & ROW_KIND) === ROW_DIR || c.objects[i]! >= 0 ? [c.metaModes[c.metas[i]!]!, c.metaUids[c.metas[i]!]!, c.metaGids[c.metas[i]!]!] : undefined;
  for (let i = 0; i < got.paths.length; i++) expect(attributes(got, i), got.paths[i]).toEqual(attributes(want, i));
  for (let o = 0; o < got.objectSizes.length; o++) {
    const row = got.objects.indexOf(o);
    const kind = got.kinds[row]! & ROW_KIND;
    if (kind === ROW_FILE) expect(contentBytes(got.content(o))).toEqual(contentBytes(want.content(o)));
    if (kind === ROW_SYMLINK) expect(got.target(o)).toBe(want.target(o));
  }
}

/**
 * The index declines or agrees with the streaming reader; returns whether it indexed, and
 * whether by columns straight from the headers.
 */
async function indexes(tar: Uint8Array): Promise<{ indexed: boolean; byColumns: boolean }> {
  const columns = indexLayerTarColumns(memoryReader(tar), tar.length, defaultTarLimits(true));
  // Both ways of `fromIndexedTar`: nodes from the entries, and (`columns`) columns from the
  // headers where the tar allows, nodes on first use.
  const outcomes = [];
  for (const options of [{}, { columns: true }]) {
    let indexed: Layer | undefined;
    try {
      indexed = Layer.fromIndexedTar(memoryReader(tar), tar.length, options);
    } catch (error) {
      // Refused as the streaming reader refuses it (an entry that `buildNodes` refuses).
      expect(columns, 'columns of a tar the index refused').toBeUndefined();
      expect(String(error)).toBe(await streamed(tar));
      outcomes.push(false);
      continue;
    }
    if (indexed === undefined) {
      expect(columns, 'columns where the index declined').toBeUndefined();
      outcomes.push(false);
      continue;
    }
    const reference = await streamed(tar);
    expect(typeof reference, `the streaming reader refused it: ${String(reference)}`).toBe('object');
    const layer = reference as Layer;
    if (columns !== undefined) expectSameColumns(columns, layer.columns());
    expectSameColumns(indexed.columns(), layer.columns());
    expect(indexed.entries()).toEqual(layer.entries());
    expect(indexed.paths()).toEqual(layer.paths());
    expect(indexed.diffId).toBe(layer.diffId);
    outcomes.push(true);
  }
  expect(outcomes[1], 'the two ways index the same tars').toBe(outcomes[0]);
  return { indexed: outcomes[0]!, byColumns: columns !== undefined };
}

async function agrees(tar: Uint8Array): Promise<boolean> {
  return (await indexes(tar)).indexed;
}

/** Member lists over a few names, so that paths meet: duplicates, whiteouts, markers, links, files over directories. */
function tangledMembers(): fc.Arbitrary<RawMember[]> {
  const name = fc.constantFrom('a', 'a/b', 'a/b/c', 'a/d', 'e', 'e/f', './', 'a/.wh.b', '.wh.a', '.wh.e', 'a/.wh..wh..opq', 'e/.wh..wh..opq', 'a/b/.wh.c', '.wh..wh.plnk', '../x', 'a/../e/g');
  const member = fc.oneof(
    fc.record({ name, data: fc.constantFrom('', 'x', 'yy') }),
    name.map((n) => ({ name: n.endsWith('/') ? n : `${n}/`, type: '5' })),
    fc.record({ name, type: fc.constant('2'), linkname: fc.constantFrom('a', '/e/f', '') }),
    fc.record({ name, type: fc.constant('1'), linkname: fc.constantFrom('a', 'a/b', 'e', 'e/f', 'a/b/c', 'zz') }),
    fc.record({ name, mode: fc.constantFrom(0o755, 0o4711), pax: fc.constantFrom<Record<string, string>>({ uid: '7' }, { gid: 'x' }, { mtime: '1.5' }, { 'SCHILY.xattr.': 'v' }, { 'SCHILY.xattr.user.k': 'v' }) }),
  );
  return fc.array(member, { maxLength: 8 });
}

describe('the layer-tar header index', () => {
  it('property: a canonical layer tar is indexed, giving the same layer as the streaming reader', async () => {
    await fc.assert(
      fc.asyncProperty(layerEntries(), async (entries) => {
        const tar = Layer.fromEntries(entries).toTar();
        // Base-256 ids (over the octal field) are left to the streaming reader; all else is indexed.
        const { indexed, byColumns } = await indexes(tar);
        const bigIds = entries.some((e) => (e.uid ?? 0) >= 8 ** 7 || (e.gid ?? 0) >= 8 ** 7);
        if (!bigIds) expect(indexed).toBe(true);
        // A canonical tar names each path once: its columns come straight from the headers.
        expect(byColumns).toBe(indexed);
      }),
      runs(60),
    );
  });

  it('property: tangled member lists are indexed the same by columns, by entries, or left to the streaming reader', async () => {
    const ways = { byColumns: 0, byEntries: 0, declined: 0 };
    await fc.assert(
      fc.asyncProperty(tangledMembers(), async (members) => {
        const { indexed, byColumns } = await indexes(rawTar(members));
        ways[byColumns ? 'byColumns' : indexed ? 'byEntries' : 'declined']++;
      }),
      runs(300),
    );
    // Each way was taken: the lists are tangled enough, and not too tangled.
    expect(ways.byColumns).toBeGreaterThan(0);
    expect(ways.byEntries).toBeGreaterThan(0);
    expect(ways.declined).toBeGreaterThan(0);
  });

  it('property: the header checksum summed by words is the byte sum', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1024, maxLength: 1024 }), fc.constantFrom(0, 512), (bytes, base) => {
        expect(headerSumOfWords(new Uint32Array(bytes.buffer), base)).toBe(headerSum(bytes, base));
      }),
      runs(200),
    );
    const ones = new Uint8Array(512).fill(255);
    expect(headerSumOfWords(new Uint32Array(ones.buffer), 0)).toBe(headerSum(ones));
  });

  it('builds the nodes of a layer known by its columns on first use, and says so when the tar changed since', () => {
    const tar = rawTar([{ name: 'd/', type: '5' }, { name: 'd/f', data: 'f' }]);
    const layer = Layer.fromIndexedTar(memoryReader(tar), tar.length, { columns: true })!;
    expect(layer.columns().paths).toEqual(['/', '/d', '/d/f']);
    const changed = tar.slice();
    const other = Layer.fromIndexedTar(memoryReader(changed), changed.length, { columns: true })!;
    changed[0] ^= 1; // the first header's checksum no longer holds
    expect(layer.node('/d/f')?.kind).toBe('file');
    expect(() => other.node('/d/f')).toThrow(/the layer tar changed after it was indexed/);
  });

  it('reads no file data until a file is read', () => {
    const big = new Uint8Array(3 << 20).fill(7);
    const tar = Layer.fromEntries([
      { path: '/a', type: 'file', content: big },
      { path: '/b', type: 'file', content: 'b' },
    ]).toTar();
    const reader = memoryReader(tar);
    const layer = Layer.fromIndexedTar(reader, tar.length)!;
    const node = layer.node('/a');
    expect(node?.kind === 'file' && node.inode.type === 'file' && node.inode.content instanceof RangeContent).toBe(true);
    expect(layer.size).toBe(big.length + 1);
    expect(reader.dataReads).toBe(0);
  });

  it('hand-made and hostile tars: indexed the same, or left to the streaming reader', async () => {
    const cases: [string, RawMember[] | Uint8Array, boolean | 'columns'][] = [
      ['PAX path, linkpath, uid, xattr, mtime', [{ name: 'x', data: 'abc', pax: { path: 'long/' + 'p'.repeat(200), uid: '123456789', 'SCHILY.xattr.user.k': 'v', mtime: '12.5' } }, { name: 'l', type: '2', linkname: 'x', pax: { linkpath: 't'.repeat(150) } }], 'columns'],
      ['GNU long name', [{ name: '././@LongLink', type: 'L', data: `${'g/'.repeat(80)}f\u0000` }, { name: 'g/g/g', data: 'z' }], 'columns'],
      ['hard links and a whiteout and an opaque marker', [{ name: 'd/', type: '5' }, { name: 'd/f', data: 'f' }, { name: 'h', type: '1', linkname: 'd/f' }, { name: '.wh.gone' }, { name: 'o/', type: '5' }, { name: 'o/.wh..wh..opq' }, { name: 'o/k', data: 'k' }], 'columns'],
      ['opaque markers without their directories', [{ name: 'o/.wh..wh..opq' }, { name: 'o/k', data: 'k' }, { name: 'p/q/.wh..wh..opq' }, { name: 'p/.wh..wh..opq' }], 'columns'],
      ['a whiteout beside a member of the same path', [{ name: '.wh.a' }, { name: 'a', data: 'x' }], true],
      ['a member replaced by a later one, a directory by a file', [{ name: 'a', data: '1' }, { name: 'a', data: '22' }, { name: 'd/x', data: 'x' }, { name: 'd', data: 'file now' }], true],
      ['the old convention: a regular member named with /', [{ name: 'dir/' }, { name: 'dir/f', data: 'f' }], false],
      ['a device', [{ name: 'null', type: '3' }], false],
      ['a PAX global header', [{ name: 'g', type: 'g', data: '11 uid=123\n' }, { name: 'f', data: 'f' }], false],
      ['sparse', [{ name: 's', type: 'S', data: 'x' }], false],
      ['a huge declared size', [{ name: 'big', size: 2 ** 40 }], false],
      ['an escaping name', [{ name: '../x', data: 'x' }], false],
      ['an escaping hard link', [{ name: 'f' }, { name: 'l', type: '1', linkname: 'a/../../f' }], false],
      ['a bad PAX record', [{ name: 'f', pax: new TextEncoder().encode('99 path=x\n') }], false],
      ['a .wh. directory', [{ name: '.wh.d/x', data: 'x' }], false],
    ];
    for (const [what, members, expected] of cases) {
      const tar = members instanceof Uint8Array ? members : rawTar(members);
      const { indexed, byColumns } = await indexes(tar);
      expect(expected === 'columns' ? byColumns : indexed && !byColumns, what).toBe(expected !== false);
    }
    const one = rawTar([{ name: 'f', data: 'data' }]);
    const withJunk = new Uint8Array(one.length + 512);
    withJunk.set(one);
    withJunk[one.length + 10] = 1;
    const after = rawTar([{ name: 'g' }]);
    const lone = new Uint8Array(one.length - 512 + after.length);
    lone.set(one.subarray(0, one.length - 1024));
    lone.set(after, one.length - 512);
    const flipped = one.slice();
    flipped[3] ^= 1;
    for (const [what, tar] of [
      ['data after the end', withJunk],
      ['a lone zero block', lone],
      ['a bad checksum', flipped],
      ['cut short', one.subarray(0, 700)],
      ['no end marker', one.subarray(0, one.length - 1024)],
      ['gzip', new Uint8Array(gzipSync(one))],
      ['empty', new Uint8Array(0)],
    ] as const) {
      expect(await agrees(tar), what).toBe(false);
    }
  });

  it('GNU tar output, gnu and posix formats, is indexed the same', async () => {
    for (const [format, tar] of gnuTars(['gnu', 'posix', 'ustar'])) expect(await agrees(tar), format).toBe(true);
  });
});
