import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findNativeSha256, nobleSha256, sha256Digest } from '../../../src/digest/index.js';
import { DomainError } from '../../../src/errors/index.js';
import { EMPTY_CONTENT, Layer, concatBytes, contentBytes, fileInode, type Content, type LayerEntryInput, type LayerNode } from '../../../src/layer/index.js';
import { ChunkedContent } from '../../../src/layer/tar/ChunkedContent.js';
import { readLayerTar } from '../../../src/layer/tar/readTar.js';
import { tarChunks } from '../../../src/layer/tar/sinks.js';

const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';
const text = new TextDecoder();
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One parsed 512-byte header, for looking at what the writer put where. */
interface RawHeader {
  name: string;
  mode: string;
  uid: string;
  gid: string;
  size: number;
  mtime: string;
  typeflag: string;
  linkname: string;
  magic: string;
  version: string;
  uname: string;
  gname: string;
  prefix: string;
  checksumOk: boolean;
  /** PAX records of an `x` member. */
  data: Uint8Array;
}

function field(block: Uint8Array, from: number, length: number): string {
  const raw = block.subarray(from, from + length);
  const end = raw.indexOf(0);
  return text.decode(end < 0 ? raw : raw.subarray(0, end));
}

/** Every member of a tar, PAX headers included, until the first zero block. */
function rawHeaders(tar: Uint8Array): RawHeader[] {
  const out: RawHeader[] = [];
  let pos = 0;
  while (pos + 512 <= tar.length) {
    const block = tar.subarray(pos, pos + 512);
    if (block.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    const size = parseInt(field(block, 124, 12), 8);
    out.push({
      name: field(block, 0, 100),
      mode: field(block, 100, 8),
      uid: field(block, 108, 8),
      gid: field(block, 116, 8),
      size,
      mtime: field(block, 136, 12),
      typeflag: String.fromCharCode(block[156]!),
      linkname: field(block, 157, 100),
      magic: text.decode(block.subarray(257, 263)),
      version: text.decode(block.subarray(263, 265)),
      uname: field(block, 265, 32),
      gname: field(block, 297, 32),
      prefix: field(block, 345, 155),
      checksumOk: parseInt(field(block, 148, 7), 8) === sum,
      data: tar.subarray(pos + 512, pos + 512 + size),
    });
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function paxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = Number(text.decode(data.subarray(pos, space)));
    const record = text.decode(data.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

async function roundTrip(layer: Layer): Promise<Layer> {
  return Layer.fromTar(layer.toTar());
}

async function expectDomainError(promise: Promise<unknown>, code: string): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

/** A web ReadableStream of the bytes (the DOM typings want an ArrayBuffer-backed view). */
function blobStream(data: Uint8Array): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new Blob([data.slice() as Uint8Array<ArrayBuffer>]).stream();
}

async function webGzip(data: Uint8Array): Promise<Uint8Array> {
  const gzip = new CompressionStream('gzip') as ReadableWritablePair<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>;
  const compressed = blobStream(data).pipeThrough(gzip);
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

async function* chunked(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.slice(i, i + size);
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-tar-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('canonical tar writer', () => {
  it('writes the empty layer as exactly 1024 zero bytes with the well-known diffId', () => {
    const layer = Layer.fromEntries([]);
    const tar = layer.toTar();
    expect(tar.length).toBe(1024);
    expect(tar.every((b) => b === 0)).toBe(true);
    expect(layer.diffId).toBe(EMPTY_LAYER_DIFF_ID);
  });

  it('writes USTAR headers with relative names, octal fields and blank owner names', () => {
    const layer = Layer.fromEntries([
      { path: '/etc', type: 'dir', mode: 0o755, mtime: 1_700_000_000_000 },
      { path: '/etc/hosts', type: 'file', content: '127.0.0.1 localhost\n', mode: 0o644, uid: 1000, gid: 100, mtime: 1_700_000_001_000 },
      { path: '/bin', type: 'symlink', target: 'usr/bin', mtime: 0 },
      { path: '/', type: 'dir', mode: 0o755 },
    ]);
    const headers = rawHeaders(layer.toTar());
    expect(headers.map((h) => [h.name, h.typeflag])).toEqual([
      ['./', '5'],
      ['bin', '2'],
      ['etc/', '5'],
      ['etc/hosts', '0'],
    ]);
    const hosts = headers[3]!;
    expect(hosts).toMatchObject({ mode: '0000644', uid: '0001750', gid: '0000144', mtime: (1_700_000_001).toString(8).padStart(11, '0'), size: 20 });
    expect(headers[1]!.linkname).toBe('usr/bin');
    expect(headers[1]!.mode).toBe('0000777');
    for (const h of headers) {
      expect(h.magic).toBe('ustar\0');
      expect(h.version).toBe('00');
      expect(h.uname).toBe('');
      expect(h.gname).toBe('');
      expect(h.checksumOk).toBe(true);
    }
  });

  it('writes a whiteout as an empty 0600 regular file .wh.<name>', () => {
    const layer = Layer.fromEntries([{ path: '/a/b', type: 'whiteout' }]);
    const headers = rawHeaders(layer.toTar());
    expect(headers).toHaveLength(1);
    expect(headers[0]).toMatchObject({ name: 'a/.wh.b', typeflag: '0', mode: '0000600', size: 0 });
    expect(headers[0]).toMatchObject({ uid: '0000000', gid: '0000000', mtime: '00000000000' });
  });

  it('writes an opaque directory as its entry followed by the .wh..wh..opq marker', () => {
    const layer = Layer.fromEntries([
      { path: '/d', type: 'opaque', mode: 0o700, uid: 5 },
      { path: '/d/x', type: 'file', content: 'x' },
    ]);
    const headers = rawHeaders(layer.toTar());
    expect(headers.map((h) => [h.name, h.typeflag, h.mode])).toEqual([
      ['d/', '5', '0000700'],
      ['d/.wh..wh..opq', '0', '0000600'],
      ['d/x', '0', '0000644'],
    ]);
  });

  it('writes an implicit opaque directory (whiteout with entries below) as the marker alone, and reads it back', async () => {
    const layer = Layer.fromEntries([
      { path: '/d', type: 'whiteout' },
      { path: '/d/x', type: 'file', content: 'x' },
    ]);
    expect((layer.node('/d') as LayerNode & { implicit: boolean }).implicit).toBe(true);
    const headers = rawHeaders(layer.toTar());
    expect(headers.map((h) => h.name)).toEqual(['d/.wh..wh..opq', 'd/x']);
    const back = await roundTrip(layer);
    expect(back.node('/d')).toMatchObject({ kind: 'dir', opaque: true, implicit: true });
    expect(back.entries()).toEqual(layer.entries());
    expect(back.diffId).toBe(layer.diffId);
  });

  it('writes hard links as type 1 members pointing at the first name in sort order', async () => {
    const layer = Layer.fromEntries([
      { path: '/z', type: 'file', content: 'data', mode: 0o640 },
      { path: '/a', type: 'hardlink', target: '/z' },
      { path: '/m/n', type: 'hardlink', target: '/z' },
    ]);
    const headers = rawHeaders(layer.toTar());
    expect(headers.map((h) => [h.name, h.typeflag, h.linkname, h.size])).toEqual([
      ['a', '0', '', 4],
      ['m/n', '1', 'a', 0],
      ['z', '1', 'a', 0],
    ]);
    const back = await roundTrip(layer);
    expect(back.entries()).toEqual(layer.entries());
    const node = back.node('/z');
    expect(node?.kind === 'file' && node.inode.nlink).toBe(3);
  });

  it('splits names of 101-255 ASCII bytes into prefix and name, and uses PAX beyond', async () => {
    const mid = `/${'d'.repeat(120)}/${'f'.repeat(90)}`;
    const long = `/${'x'.repeat(150)}/${'y'.repeat(150)}`;
    const layer = Layer.fromEntries([
      { path: mid, type: 'file', content: 'mid' },
      { path: long, type: 'file', content: 'long' },
    ]);
    const headers = rawHeaders(layer.toTar());
    expect(headers[0]).toMatchObject({ prefix: 'd'.repeat(120), name: 'f'.repeat(90), typeflag: '0' });
    expect(headers[1]!.typeflag).toBe('x');
    expect(headers[1]!.name).toBe('PaxHeaders/' + 'y'.repeat(89));
    expect(paxRecords(headers[1]!.data)).toEqual({ path: long.slice(1) });
    expect(headers[2]!.name.length).toBeLessThanOrEqual(100);
    const back = await roundTrip(layer);
    expect(back.entries()).toEqual(layer.entries());
  });

  it('puts non-ASCII names and long link targets in PAX records', async () => {
    const target = '/' + 't'.repeat(200);
    const layer = Layer.fromEntries([
      { path: '/café/naïve.txt', type: 'file', content: 'ü' },
      { path: '/link', type: 'symlink', target },
      { path: '/日本', type: 'dir' },
    ]);
    const headers = rawHeaders(layer.toTar());
    const byType = headers.filter((h) => h.typeflag === 'x').map((h) => paxRecords(h.data));
    expect(byType).toEqual([{ path: 'café/naïve.txt' }, { linkpath: target }, { path: '日本/' }]);
    for (const h of headers) expect([...h.name].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    const back = await roundTrip(layer);
    expect(back.entries()).toEqual(layer.entries());
    expect(back.diffId).toBe(layer.diffId);
  });

  it('writes xattrs as sorted SCHILY.xattr records and reads them back', async () => {
    const layer = Layer.fromEntries([
      { path: '/f', type: 'file', content: '', xattrs: { 'user.z': 'last', 'security.capability': 'caps', 'user.a': 'ünï=code\n' } },
    ]);
    const headers = rawHeaders(layer.toTar());
    expect(headers[0]!.typeflag).toBe('x');
    expect(headers[0]!.name).toBe('PaxHeaders/f');
    const data = text.decode(headers[0]!.data);
    const keys = [...data.matchAll(/\d+ ([^=]+)=/g)].map((m) => m[1]);
    expect(keys).toEqual(['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.a', 'SCHILY.xattr.user.z']);
    const back = await roundTrip(layer);
    expect(back.entries()).toEqual(layer.entries());
  });

  it('keeps whole seconds in the header and milliseconds in a PAX mtime record', async () => {
    const layer = Layer.fromEntries([
      { path: '/a', type: 'file', mtime: 1_700_000_000_500 },
      { path: '/b', type: 'file', mtime: 1_700_000_000_007 },
      { path: '/c', type: 'file', mtime: -1500 },
      { path: '/d', type: 'file', mtime: -3000 },
      { path: '/e', type: 'file', mtime: 1_700_000_000_000 },
    ]);
    const headers = rawHeaders(layer.toTar());
    const pax = headers.filter((h) => h.typeflag === 'x').map((h) => paxRecords(h.data)['mtime']);
    expect(pax).toEqual(['1700000000.5', '1700000000.007', '-1.5', '-3']);
    const a = headers[1]!;
    expect(parseInt(a.mtime, 8)).toBe(1_700_000_000);
    expect(headers.filter((h) => h.typeflag !== 'x').map((h) => h.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const back = await roundTrip(layer);
    expect(back.entries().map((e) => e.mtime)).toEqual([1_700_000_000_500, 1_700_000_000_007, -1500, -3000, 1_700_000_000_000]);
  });

  it('puts big uid/gid in PAX records', async () => {
    const layer = Layer.fromEntries([{ path: '/f', type: 'file', uid: 0o10000000, gid: 4_000_000_000 }]);
    const headers = rawHeaders(layer.toTar());
    expect(paxRecords(headers[0]!.data)).toEqual({ gid: '4000000000', uid: String(0o10000000) });
    expect(headers[1]!.uid).toBe('0000000');
    const back = await roundTrip(layer);
    expect(back.entries()).toEqual(layer.entries());
  });

  it('puts sizes of 8 GiB and more in a PAX size record', () => {
    const size = 8 * 1024 ** 3;
    const huge: Content = { size, read: () => new Uint8Array(0), chunks: () => [] };
    const layer = Layer.fromNodes(
      new Map<string, LayerNode>([['/big', fileNode(huge)]]),
    );
    const first = tarChunks(layer)[Symbol.iterator]().next().value!;
    const headers = rawHeaders(first);
    expect(paxRecords(headers[0]!.data)).toEqual({ size: String(size) });
    expect(headers[1]!.size).toBe(0);
  });

  it('streams file data without copying it', () => {
    const data = new Uint8Array(100_000).fill(7);
    const layer = Layer.fromEntries([{ path: '/f', type: 'file', content: data }]);
    const chunks = [...layer.tarChunks()];
    expect(chunks.some((c) => c === data)).toBe(true);
    // A big file goes out in views of its bytes of at most 1 MiB, never one huge step.
    const big = new Uint8Array(3 * (1 << 20) + 5).fill(9);
    const bigChunks = [...Layer.fromEntries([{ path: '/big', type: 'file', content: big }]).tarChunks()].filter((c) => c.buffer === big.buffer);
    expect(bigChunks.map((c) => c.length)).toEqual([1 << 20, 1 << 20, 1 << 20, 5]);
  });

  it('is deterministic: two builds of the same entries give the same bytes', () => {
    const entries: LayerEntryInput[] = [
      { path: '/b/c', type: 'file', content: 'c', mtime: 1234 },
      { path: '/a', type: 'symlink', target: '/b/c' },
      { path: '/b', type: 'opaque' },
      { path: '/w', type: 'whiteout' },
    ];
    const one = Layer.fromEntries(entries);
    const two = Layer.fromEntries([...entries].reverse());
    expect(one.toTar()).toEqual(two.toTar());
    expect(one.diffId).toBe(two.diffId);
    expect(one.diffId).toBe(sha256Digest(one.toTar()));
  });

  it('gives the same digest through the native and the noble SHA-256', () => {
    const layer = Layer.fromEntries([
      { path: '/big', type: 'file', content: new Uint8Array(300_000).map((_, i) => i & 0xff) },
      { path: '/small', type: 'file', content: 'x' },
    ]);
    const tar = layer.toTar();
    const native = findNativeSha256();
    const viaNoble = sha256Digest(tar, nobleSha256);
    if (native !== undefined) expect(sha256Digest(tar, native)).toBe(viaNoble);
    expect(layer.diffId).toBe(viaNoble);
  });

  it('hashes content given as several chunks, across batch boundaries, like toTar', () => {
    const pieces = [new Uint8Array(100).fill(1), new Uint8Array(20_000).fill(2), new Uint8Array(300_001).fill(3)];
    const multi: Content = {
      size: pieces.reduce((n, p) => n + p.length, 0),
      read: () => {
        throw new Error('not used');
      },
      chunks: () => pieces,
    };
    const nodes = new Map<string, LayerNode>();
    nodes.set('/multi', fileNode(multi));
    for (let i = 0; i < 300; i++) {
      const content = new Uint8Array([0, 1, 16383, 16384, 70_000][i % 5]!).fill(i);
      nodes.set(`/f${String(i).padStart(3, '0')}`, fileNode({ size: content.length, read: () => content, chunks: () => [content] }));
    }
    const layer = Layer.fromNodes(nodes);
    expect(layer.diffId).toBe(sha256Digest(layer.toTar(), nobleSha256));
  });

  it('refuses content whose chunks do not add up to its size', () => {
    const liar: Content = { size: 10, read: () => new Uint8Array(10), chunks: () => [new Uint8Array(5)] };
    const layer = Layer.fromNodes(new Map<string, LayerNode>([['/f', fileNode(liar)]]));
    expect(() => layer.toTar()).toThrow(DomainError);
    expect(() => layer.diffId).toThrow(DomainError);
  });

  it('refuses a hand-built node whose mode no tar header can hold', () => {
    const meta = { mode: -1, uid: 0, gid: 0, mtime: 0, xattrs: {} };
    const node: LayerNode = { kind: 'file', inode: fileInode(1, meta, EMPTY_CONTENT) };
    const layer = Layer.fromNodes(new Map<string, LayerNode>([['/f', node]]));
    expect(() => layer.toTar()).toThrow(/attributes of \/f cannot be written to a tar/);
    expect(() => layer.diffId).toThrow(DomainError);
  });

  it('refuses xattr names a PAX record cannot hold (already when the layer is built)', () => {
    expect(() => Layer.fromEntries([{ path: '/f', type: 'file', xattrs: { 'user.a=b': 'v' } }])).toThrow(
      expect.objectContaining({ code: 'LayerFormatError' }),
    );
  });

  it('is extracted by GNU tar as the layer says', () => {
    const long = 'l'.repeat(180);
    const layer = Layer.fromEntries([
      { path: '/etc/hosts', type: 'file', content: 'hosts\n', mode: 0o640, mtime: 1_700_000_000_250 },
      { path: '/etc/hosts.link', type: 'hardlink', target: '/etc/hosts' },
      { path: `/deep/${long}`, type: 'file', content: 'long' },
      { path: '/café', type: 'symlink', target: 'etc/hosts' },
    ]);
    withTempDir((dir) => {
      const file = join(dir, 'layer.tar');
      writeFileSync(file, layer.toTar());
      const out = join(dir, 'out');
      mkdirSync(out);
      execFileSync('tar', ['-xf', file, '-C', out]);
      expect(readFileSync(join(out, 'etc', 'hosts'), 'utf8')).toBe('hosts\n');
      expect(readFileSync(join(out, 'deep', long), 'utf8')).toBe('long');
      const a = statSync(join(out, 'etc', 'hosts'));
      expect(statSync(join(out, 'etc', 'hosts.link')).ino).toBe(a.ino);
      expect(a.mode & 0o7777).toBe(0o640);
      expect(a.mtimeMs).toBe(1_700_000_000_250);
      expect(readlinkSync(join(out, 'café'))).toBe('etc/hosts');
    });
  });
});

/** A file node built by hand (for contents `Layer.fromEntries` cannot express). */
function fileNode(content: Content): LayerNode {
  const meta = { mode: 0o644, uid: 0, gid: 0, mtime: 0, xattrs: {} };
  return { kind: 'file', inode: fileInode(nextIno++, meta, content) };
}
let nextIno = 1;

describe('layer tar reader', () => {
  it('reads gzip-compressed tars (CompressionStream and zlib), whole or in chunks', async () => {
    const layer = Layer.fromEntries([
      { path: '/etc/hosts', type: 'file', content: 'hosts' },
      { path: '/gone', type: 'whiteout' },
    ]);
    const tar = layer.toTar();
    const viaZlib = new Uint8Array(gzipSync(tar));
    const viaWeb = await webGzip(tar);
    for (const gz of [viaZlib, viaWeb]) {
      expect((await Layer.fromTar(gz)).entries()).toEqual(layer.entries());
      expect((await Layer.fromTar(chunked(gz, 1))).entries()).toEqual(layer.entries());
    }
    const stream = blobStream(viaZlib);
    expect((await Layer.fromTar(stream)).diffId).toBe(layer.diffId);
  });

  it('reads plain tars from web streams and from odd-sized chunks', async () => {
    const layer = Layer.fromEntries([
      { path: '/a', type: 'file', content: new Uint8Array(1000).fill(1) },
      { path: '/b', type: 'dir', xattrs: { 'user.k': 'v' } },
    ]);
    const tar = layer.toTar();
    for (const size of [1, 7, 511, 513, 4096]) {
      expect((await Layer.fromTar(chunked(tar, size))).entries()).toEqual(layer.entries());
    }
    expect((await Layer.fromTar(blobStream(tar))).entries()).toEqual(layer.entries());
  });

  it('reads a GNU tar with ./ names, unsorted members, a whiteout and no root-first order', async () => {
    const tar = withTempDir((dir) => {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'etc'), { recursive: true });
      mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
      writeFileSync(join(root, 'etc', 'hosts'), 'localhost\n');
      writeFileSync(join(root, 'etc', '.wh.passwd'), '');
      writeFileSync(join(root, 'usr', 'lib', 'libz.so.1'), 'ELF');
      symlinkSync('libz.so.1', join(root, 'usr', 'lib', 'libz.so'));
      linkSync(join(root, 'etc', 'hosts'), join(root, 'hosts.bak'));
      const out = join(dir, 'layer.tar');
      // Deliberately unsorted, with ./ prefixes, as `tar -C root .` produces.
      execFileSync('tar', [
        '-cf', out, '-C', root, '--no-recursion', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@1700000000',
        './usr/lib/libz.so', './etc/hosts', './usr/', './usr/lib/', './etc/.wh.passwd', './usr/lib/libz.so.1', './', './etc/', './hosts.bak',
      ]);
      return new Uint8Array(readFileSync(out));
    });
    const entries = await readLayerTar(tar);
    const byPath = new Map(entries.map((e) => [`${e.type}:${e.path}`, e]));
    expect([...byPath.keys()].sort()).toEqual(
      [
        'dir:/',
        'dir:/etc',
        'dir:/usr',
        'dir:/usr/lib',
        'file:/etc/hosts',
        'file:/usr/lib/libz.so.1',
        'hardlink:/hosts.bak',
        'symlink:/usr/lib/libz.so',
        'whiteout:/etc/passwd',
      ].sort(),
    );
    expect(byPath.get('symlink:/usr/lib/libz.so')!.target).toBe('libz.so.1');
    expect(byPath.get('hardlink:/hosts.bak')!.target).toBe('/etc/hosts');
    expect(text.decode(byPath.get('file:/etc/hosts')!.content as Uint8Array)).toBe('localhost\n');
    expect(byPath.get('file:/etc/hosts')!.mtime).toBe(1_700_000_000_000);
    const layer = await Layer.fromTar(tar);
    expect(layer.node('/etc/passwd')).toEqual({ kind: 'whiteout' });
  });

  it('reads a POSIX (PAX) tar from GNU tar, with sub-second times and long names', async () => {
    const long = 'n'.repeat(180);
    const tar = withTempDir((dir) => {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'd'), { recursive: true });
      writeFileSync(join(root, 'd', long), 'long');
      writeFileSync(join(root, 'd', 'ü'), 'umlaut');
      const out = join(dir, 'layer.tar');
      const owner = ['--owner=0', '--group=0', '--numeric-owner'];
      // A global header too (`comment`, as git archive writes one): ignored.
      execFileSync('tar', ['--format=posix', '--pax-option=comment=hello', '-cf', out, '-C', root, ...owner, '--mtime=@1700000000.123456789', './d']);
      return new Uint8Array(readFileSync(out));
    });
    const layer = await Layer.fromTar(tar);
    expect(layer.entries().map((e) => [e.path, e.type, e.mtime])).toEqual([
      ['/d', 'dir', 1_700_000_000_123],
      [`/d/${long}`, 'file', 1_700_000_000_123],
      ['/d/ü', 'file', 1_700_000_000_123],
    ]);
  });

  it('reads whiteouts, opaque markers and drops AUFS bookkeeping', async () => {
    const tar = rawTar([
      { name: './a/.wh..wh..opq' },
      { name: 'a/', type: '5', mode: 0o711 },
      { name: 'b/.wh..wh..opq' },
      { name: '.wh.gone' },
      { name: '.wh..wh.plnk/', type: '5' },
      { name: '.wh..wh.plnk/123.456', data: 'x' },
      { name: '.wh..wh.aufs' },
      { name: 'c/.wh..wh..opq' },
      { name: 'c/file', data: 'f' },
    ]);
    const entries = await readLayerTar(tar);
    expect(entries).toEqual(
      expect.arrayContaining([
        { path: '/a', type: 'opaque', mode: 0o711, uid: 0, gid: 0, mtime: 0 },
        { path: '/b', type: 'opaque', mode: 0o755, uid: 0, gid: 0, mtime: 0 },
        { path: '/gone', type: 'whiteout' },
        { path: '/c', type: 'whiteout' },
      ]),
    );
    expect(entries).toHaveLength(5);
    const layer = await Layer.fromTar(tar);
    expect(layer.node('/c')).toMatchObject({ kind: 'dir', opaque: true, implicit: true });
    expect(layer.entries().find((e) => e.path === '/c')).toEqual({ path: '/c', type: 'opaque', mode: 0o755, uid: 0, gid: 0, mtime: 0 });
  });

  it('resolves duplicate members the way extraction does', async () => {
    const tar = rawTar([
      { name: 'f', data: 'old' },
      { name: 'd/', type: '5', mode: 0o700, mtime: 1 },
      { name: 'd/x', data: 'x' },
      { name: 'f', data: 'new' },
      { name: 'd/', type: '5', mode: 0o750, mtime: 2 },
      { name: 'e/', type: '5' },
      { name: 'e/y', data: 'y' },
      { name: 'e', data: 'now a file' },
    ]);
    const layer = await Layer.fromTar(tar);
    expect(layer.entries().map((e) => [e.path, e.type, e.mode, e.mtime, e.content === undefined ? undefined : text.decode(e.content)])).toEqual([
      ['/d', 'dir', 0o750, 2000, undefined],
      ['/d/x', 'file', 0o644, 0, 'x'],
      ['/e', 'file', 0o644, 0, 'now a file'],
      ['/f', 'file', 0o644, 0, 'new'],
    ]);
  });

  it('skips devices and FIFOs', async () => {
    const tar = rawTar([
      { name: 'dev/null', type: '3' },
      { name: 'dev/sda', type: '4' },
      { name: 'fifo', type: '6' },
      { name: 'f', data: 'x' },
    ]);
    expect((await readLayerTar(tar)).map((e) => e.path)).toEqual(['/f']);
  });

  it('rejects names and hard-link targets that climb out with ..', async () => {
    const e1 = await expectDomainError(readLayerTar(rawTar([{ name: '../etc/passwd', data: 'x' }])), 'UnsafeTarEntryError');
    expect(e1.data['path']).toBe('../etc/passwd');
    await expectDomainError(readLayerTar(rawTar([{ name: 'a/../../b', data: 'x' }])), 'UnsafeTarEntryError');
    await expectDomainError(readLayerTar(rawTar([{ name: 'link', type: '1', linkname: '../../etc/shadow' }])), 'UnsafeTarEntryError');
    await expectDomainError(readLayerTar(rawTar([{ name: 'a/.wh...' }])), 'UnsafeTarEntryError');
    await expectDomainError(readLayerTar(rawTar([{ name: 'a/.wh..' }])), 'UnsafeTarEntryError');
    // Absolute symlink targets are resolved inside the overlay root: fine.
    const ok = await readLayerTar(rawTar([{ name: 'abs', type: '2', linkname: '/etc/passwd' }]));
    expect(ok[0]).toMatchObject({ path: '/abs', type: 'symlink', target: '/etc/passwd' });
  });

  it('rejects a bare .wh. and .wh. directories', async () => {
    await expectDomainError(readLayerTar(rawTar([{ name: 'a/.wh.' }])), 'LayerFormatError');
    await expectDomainError(readLayerTar(rawTar([{ name: '.wh.d/', type: '5' }, { name: '.wh.d/x', data: 'x' }])), 'LayerFormatError');
  });

  it('gives LayerFormatError for truncated, corrupt or non-tar input, never a hang', async () => {
    const layer = Layer.fromEntries([{ path: '/f', type: 'file', content: new Uint8Array(5000).fill(3) }]);
    const tar = layer.toTar();
    for (const cut of [100, 512, 600, 3000]) {
      await expectDomainError(Layer.fromTar(tar.subarray(0, cut)), 'LayerFormatError');
      await expectDomainError(Layer.fromTar(chunked(tar.subarray(0, cut), 256)), 'LayerFormatError');
    }
    const corrupt = tar.slice();
    corrupt[10] ^= 0xff;
    await expectDomainError(Layer.fromTar(corrupt), 'LayerFormatError');
    await expectDomainError(Layer.fromTar(bytes('hello, this is not a tar'.repeat(50))), 'LayerFormatError');
    const gz = new Uint8Array(gzipSync(tar));
    await expectDomainError(Layer.fromTar(gz.subarray(0, gz.length - 10)), 'LayerFormatError');
    await expectDomainError(Layer.fromTar(gz.subarray(0, 30)), 'LayerFormatError');
    // A directory header claiming data: parsed, then the data fails as a header.
    await expectDomainError(readLayerTar(rawTar([{ name: 'd/', type: '5', size: 600, data: 'z'.repeat(600) }])), 'LayerFormatError');
    // An unknown member type (GNU sparse 'S').
    await expectDomainError(readLayerTar(rawTar([{ name: 'sparse', type: 'S' }])), 'LayerFormatError');
  });

  it('passes errors of the input stream through unchanged', async () => {
    const boom = new Error('network down');
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Layer.fromEntries([{ path: '/f', type: 'file', content: 'x' }]).toTar().subarray(0, 512);
      throw boom;
    }
    await expect(readLayerTar(failing())).rejects.toBe(boom);
    async function* failingGzip(): AsyncIterable<Uint8Array> {
      yield new Uint8Array(gzipSync(new Uint8Array(4096))).subarray(0, 20);
      throw boom;
    }
    await expect(readLayerTar(failingGzip())).rejects.toBe(boom);
  });

  it('reads an empty input and a trailer-only tar as an empty layer', async () => {
    expect(await readLayerTar(new Uint8Array(0))).toEqual([]);
    expect(await readLayerTar(new Uint8Array(10240))).toEqual([]);
  });

  it('refuses zstd layers with a clear LayerFormatError', async () => {
    const error = await expectDomainError(readLayerTar(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3])), 'LayerFormatError');
    expect(error.message).toMatch(/zstd/);
  });

  it('drops what the tar put below a directory that a later member replaces', async () => {
    const tar = rawTar([
      { name: 'd/', type: '5' },
      { name: 'd/x', data: 'x' },
      { name: 'd/e/.wh..wh..opq' },
      { name: 'd/.wh.gone' },
      { name: 'd', type: '2', linkname: 'elsewhere' },
      { name: 'k/.wh..wh..opq' },
      { name: 'k/y', data: 'y' },
      { name: 'k', data: 'file' },
    ]);
    expect(await readLayerTar(tar)).toEqual([
      { path: '/d', type: 'symlink', target: 'elsewhere', mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      { path: '/k', type: 'file', content: bytes('file'), mode: 0o644, uid: 0, gid: 0, mtime: 0 },
    ]);
    // Below a non-directory after it: extraction would fail too.
    const late = await expectDomainError(readLayerTar(rawTar([{ name: 'k', data: 'file' }, { name: 'k/.wh..wh..opq' }])), 'LayerFormatError');
    expect(late.message).toMatch(/opaque marker below a non-directory/);
  });

  it('reads members larger than 64 MiB (the old preallocation limit) from many chunks, without joining them', async () => {
    const big = new Uint8Array(65 * 1024 * 1024 + 3);
    big[0] = 1;
    big[big.length - 1] = 2;
    const layer = Layer.fromEntries([{ path: '/big', type: 'file', content: big }]);
    const [entry] = await readLayerTar(chunked(layer.toTar(), 1 << 20));
    const content = entry!.content as ChunkedContent;
    expect(content).toBeInstanceOf(ChunkedContent);
    expect(content.size).toBe(big.length);
    const bytes = contentBytes(content);
    expect(bytes.length).toBe(big.length);
    expect([bytes[0], bytes[1], bytes[big.length - 1]]).toEqual([1, 0, 2]);
  });
});

interface RawMember {
  name: string;
  type?: string;
  mode?: number;
  mtime?: number;
  linkname?: string;
  data?: string;
  /** Header size, when it should differ from the data's. */
  size?: number;
}

/** A hand-made USTAR tar (whatever the writer would refuse to produce). */
function rawTar(members: RawMember[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const m of members) {
    const header = new Uint8Array(512);
    const put = (at: number, s: string): void => header.set(bytes(s), at);
    const data = bytes(m.data ?? '');
    put(0, m.name);
    put(100, (m.mode ?? 0o644).toString(8).padStart(7, '0'));
    put(108, '0000000');
    put(116, '0000000');
    put(124, (m.size ?? data.length).toString(8).padStart(11, '0'));
    put(136, (m.mtime ?? 0).toString(8).padStart(11, '0'));
    put(156, m.type ?? '0');
    if (m.linkname !== undefined) put(157, m.linkname);
    put(257, 'ustar\u000000');
    header.fill(0x20, 148, 156);
    const sum = header.reduce((s, b) => s + b, 0);
    put(148, sum.toString(8).padStart(6, '0') + '\u0000 ');
    blocks.push(header);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  return concatBytes(blocks);
}
