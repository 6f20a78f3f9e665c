/**
 * The streaming reader's fast path (src/layer/tar/fastTar.ts) against tar-stream alone
 * (src/layer/tar/parseTar.ts): for every tar, cut into chunks every way, the same members with
 * the same data, or the same error. Hostile and outside-the-subset members are handed to
 * tar-stream at a member boundary, so a tar that mixes both kinds is read the same too.
 */
import fc from 'fast-check';
import type { Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { Layer, type DataSink } from '../../../src/layer/index.js';
import { framedTar } from '../../../src/layer/tar/framing.js';
import { parseTar, type MemberData } from '../../../src/layer/tar/parseTar.js';
import { parseTarFast } from '../../../src/layer/tar/fastTar.js';
import { layerEntries } from '../../property/support/layerEntries.js';
import { runs } from '../../property/support/config.js';
import { gnuTars } from './support/gnuTars.js';
import { rawTar, type RawMember } from './support/rawTar.js';

const limits = { maxDataBytes: 1 << 30, maxMembers: 10_000 };

async function* pieces(tar: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < tar.length; at += size) yield tar.slice(at, at + size);
}

/** A sink in memory: appended bytes kept in one growing array. */
function memorySink(): DataSink {
  let bytes = new Uint8Array(0);
  return {
    append(chunk: Uint8Array): number {
      const at = bytes.length;
      const grown = new Uint8Array(at + chunk.length);
      grown.set(bytes);
      grown.set(chunk, at);
      bytes = grown;
      return at;
    },
    read: (position: number, length: number) => bytes.slice(position, position + length),
  };
}

function bytesOf(data: MemberData): number[] {
  if (data instanceof Uint8Array) return [...data];
  return [...data.read(0, data.size)];
}

type Parser = typeof parseTar;

/** The header fields the layer reader uses (EntryCollector.ts). */
function used(header: Header): unknown {
  const { name, mode, uid, gid, size, mtime, type, linkname, pax } = header;
  return { name, mode, uid, gid, size, mtime, type, linkname, pax };
}

/** The members a parser gives (headers and data), or its error (class, code and message). */
async function run(parser: Parser, tar: Uint8Array, size: number, framed: boolean, withSink: boolean): Promise<unknown> {
  const members: unknown[] = [];
  const sink = withSink ? memorySink() : undefined;
  const input = framed ? framedTar(pieces(tar, size), limits) : pieces(tar, size);
  try {
    await parser(input, (header, data) => members.push({ header: used(header), data: bytesOf(data) }), sink);
    return members;
  } catch (error) {
    const e = error as Error & { code?: string };
    // Which members were handed out before an error depends on how tar-stream's events
    // interleave; every caller drops them. The error is what must be the same.
    return { error: e.constructor.name, code: e.code, message: e.message };
  }
}

async function same(tar: Uint8Array, what: string): Promise<void> {
  for (const size of [1, 100, 512, 700, tar.length || 1]) {
    for (const framed of [true, false]) {
      for (const withSink of [false, true]) {
        const reference = await run(parseTar, tar, size, framed, withSink);
        const fast = await run(parseTarFast, tar, size, framed, withSink);
        expect(fast, `${what}, chunks of ${size}, framed ${framed}, sink ${withSink}`).toEqual(reference);
      }
    }
  }
}

describe('the streaming fast path', () => {
  it('hand-made, hostile and cut tars: the same members or the same error as tar-stream alone', async () => {
    const cases: [string, RawMember[]][] = [
      ['PAX path, linkpath, uid, xattr, mtime', [{ name: 'x', data: 'abc', pax: { path: 'long/' + 'p'.repeat(200), uid: '123456789', 'SCHILY.xattr.user.k': 'v', mtime: '12.5' } }, { name: 'l', type: '2', linkname: 'x', pax: { linkpath: 't'.repeat(150) } }]],
      ['GNU long name', [{ name: '././@LongLink', type: 'L', data: `${'g/'.repeat(80)}f\u0000` }, { name: 'g/g/g', data: 'z' }]],
      ['links, a whiteout, an opaque marker', [{ name: 'd/', type: '5' }, { name: 'd/f', data: 'f'.repeat(1000) }, { name: 'h', type: '1', linkname: 'd/f' }, { name: '.wh.gone' }, { name: 'o/.wh..wh..opq' }, { name: 'o/k', data: 'k' }]],
      ['a symlink with data', [{ name: 's', type: '2', linkname: 't', data: 'dropped' }, { name: 'f', data: 'f' }]],
      ['the old convention, then subset members', [{ name: 'a', data: 'a' }, { name: 'dir/' }, { name: 'dir/f', data: 'f' }]],
      ['a device between files', [{ name: 'a', data: 'a' }, { name: 'null', type: '3' }, { name: 'b', data: 'b' }]],
      ['a PAX global header after a file', [{ name: 'a', data: 'a' }, { name: 'g', type: 'g', data: '11 uid=123\n' }, { name: 'f', data: 'f' }]],
      ['a PAX header then a device', [{ name: 'a', data: 'a' }, { name: 'n', type: '3', pax: { path: 'long-device' } }, { name: 'b', data: 'b' }]],
      ['a directory with a size', [{ name: 'a', data: 'a' }, { name: 'd', type: '5', size: 512 }, { name: 'b', data: 'b' }]],
      ['sparse', [{ name: 'a', data: 'a' }, { name: 's', type: 'S', data: 'x' }]],
      ['a huge declared size', [{ name: 'big', size: 2 ** 40 }]],
      ['a bad PAX record', [{ name: 'a', data: 'a' }, { name: 'f', pax: new TextEncoder().encode('99 path=x\n') }]],
      ['an empty PAX path', [{ name: 'a', data: 'a' }, { name: 'f', data: 'f', pax: { path: '' } }]],
      ['a declared size past the data', [{ name: 'a', data: 'a' }, { name: 'f', size: 4096 }]],
    ];
    for (const [what, members] of cases) {
      const tar = rawTar(members);
      await same(tar, what);
      // Cut inside the last member, its padding, its header, and at member boundaries.
      for (const cut of [tar.length - 1024 - 1, tar.length - 1024 - 300, tar.length - 1024 - 512 - 5, 512, 1000, 1536]) {
        if (cut > 0 && cut < tar.length) await same(tar.subarray(0, cut), `${what}, cut at ${cut}`);
      }
    }
    const one = rawTar([{ name: 'f', data: 'data' }]);
    const flipped = one.slice();
    flipped[3] ^= 1;
    await same(flipped, 'a bad checksum');
    await same(new Uint8Array(0), 'empty');
    await same(new Uint8Array(4096), 'zeros');
  });

  it('property: canonical layer tars give the same members', async () => {
    await fc.assert(
      fc.asyncProperty(layerEntries(), async (entries) => {
        const tar = Layer.fromEntries(entries).toTar();
        for (const size of [333, tar.length]) {
          expect(await run(parseTarFast, tar, size, true, true)).toEqual(await run(parseTar, tar, size, true, true));
        }
      }),
      runs(40),
    );
  });

  it('GNU tar output, gnu, posix and v7 formats, gives the same members', async () => {
    for (const [format, tar] of gnuTars(['gnu', 'posix', 'ustar', 'v7'])) {
      for (const size of [512, 4096, tar.length]) {
        expect(await run(parseTarFast, tar, size, true, false), format).toEqual(await run(parseTar, tar, size, true, false));
      }
    }
  });
});
