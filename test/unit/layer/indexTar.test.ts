/**
 * `Layer.fromIndexedTar` (src/layer/tar/indexTar.ts) against the streaming reader: for every
 * tar it either declines (`undefined`: the caller then streams) or gives the same layer, file
 * bytes included, reading file data only on demand.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Layer, RangeContent, type PositionedReader } from '../../../src/layer/index.js';
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

/** The index declines or agrees with the streaming reader; returns whether it indexed. */
async function agrees(tar: Uint8Array): Promise<boolean> {
  const indexed = Layer.fromIndexedTar(memoryReader(tar), tar.length);
  if (indexed === undefined) return false;
  const reference = await streamed(tar);
  expect(typeof reference, `the streaming reader refused it: ${String(reference)}`).toBe('object');
  const layer = reference as Layer;
  expect(indexed.entries()).toEqual(layer.entries());
  expect(indexed.paths()).toEqual(layer.paths());
  expect(indexed.diffId).toBe(layer.diffId);
  return true;
}

describe('the layer-tar header index', () => {
  it('property: a canonical layer tar is indexed, giving the same layer as the streaming reader', async () => {
    await fc.assert(
      fc.asyncProperty(layerEntries(), async (entries) => {
        const tar = Layer.fromEntries(entries).toTar();
        // Base-256 ids (over the octal field) are left to the streaming reader; all else is indexed.
        const indexed = await agrees(tar);
        const bigIds = entries.some((e) => (e.uid ?? 0) >= 8 ** 7 || (e.gid ?? 0) >= 8 ** 7);
        if (!bigIds) expect(indexed).toBe(true);
      }),
      runs(60),
    );
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
    const cases: [string, RawMember[] | Uint8Array, boolean][] = [
      ['PAX path, linkpath, uid, xattr, mtime', [{ name: 'x', data: 'abc', pax: { path: 'long/' + 'p'.repeat(200), uid: '123456789', 'SCHILY.xattr.user.k': 'v', mtime: '12.5' } }, { name: 'l', type: '2', linkname: 'x', pax: { linkpath: 't'.repeat(150) } }], true],
      ['GNU long name', [{ name: '././@LongLink', type: 'L', data: `${'g/'.repeat(80)}f\u0000` }, { name: 'g/g/g', data: 'z' }], true],
      ['hard links and a whiteout and an opaque marker', [{ name: 'd/', type: '5' }, { name: 'd/f', data: 'f' }, { name: 'h', type: '1', linkname: 'd/f' }, { name: '.wh.gone' }, { name: 'o/.wh..wh..opq' }, { name: 'o/k', data: 'k' }], true],
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
      expect(await agrees(tar), what).toBe(expected);
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
