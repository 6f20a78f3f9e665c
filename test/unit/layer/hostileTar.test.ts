import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/errors/index.js';
import { Layer, contentBytes, type Layer as LayerType } from '../../../src/layer/index.js';
import { readLayerTar } from '../../../src/layer/tar/readTar.js';
import { runs } from '../../property/support/config.js';
import { paxRecords, rawHeader, rawMembers, rawTar, type RawMember } from './support/rawTar.js';

async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('tars from real tools', () => {
  it('umoci: a whiteout below a file of the same layer is redundant and dropped', async () => {
    // umoci 0.4.7, a directory `opt` replaced by a file: the file, then a whiteout below it.
    const tar = rawTar([
      { name: 'opt', data: 'now a file' },
      { name: 'opt/.wh.exec.sh' },
      { name: 'opt/sub/.wh.deeper' },
      { name: 'link', type: '2', linkname: 'opt' },
      { name: 'link/.wh.x' },
    ]);
    const layer = await Layer.fromTar(tar);
    expect(layer.entries().map((e) => [e.path, e.type])).toEqual([
      ['/link', 'symlink'],
      ['/opt', 'file'],
    ]);
    const again = await Layer.fromTar(layer.toTar());
    expect(again.diffId).toBe(layer.diffId);
  });

  it('an entry below a file of the same layer is still refused', async () => {
    const error = await domainError(Layer.fromTar(rawTar([{ name: 'opt' }, { name: 'opt/x' }])));
    expect(error.code).toBe('LayerFormatError');
  });

  it('inner .. is cleaned, escapes are refused (names and hard-link targets)', async () => {
    const layer = await Layer.fromTar(
      rawTar([
        { name: 'usr/lib/../lib64/x', data: 'x' },
        { name: 'a/b/../../y', type: '1', linkname: 'usr/./lib64/../lib64/x' },
      ]),
    );
    expect(layer.node('/usr/lib64/x')?.kind).toBe('file');
    expect(layer.node('/y')?.kind).toBe('file');
    for (const name of ['../x', 'a/../../x', '/..', './a/b/../../../x']) {
      expect((await domainError(Layer.fromTar(rawTar([{ name }])))).code).toBe('UnsafeTarEntryError');
    }
    const link = await domainError(Layer.fromTar(rawTar([{ name: 'f' }, { name: 'l', type: '1', linkname: 'a/../../f' }])));
    expect(link.code).toBe('UnsafeTarEntryError');
  });

  it('property: a name with . and .. components is its lexical clean path, or refused when it climbs out', async () => {
    const component = fc.constantFrom('a', 'b', '.', '..', '');
    await fc.assert(
      fc.asyncProperty(fc.array(component, { minLength: 1, maxLength: 8 }), async (parts) => {
        const name = parts.join('/');
        // The model: a stack of components; `..` pops, and popping the root escapes.
        const stack: string[] = [];
        let escapes = false;
        for (const part of parts) {
          if (part === '' || part === '.') continue;
          if (part === '..') {
            if (stack.length === 0) escapes = true;
            else stack.pop();
          } else stack.push(part);
        }
        const expected = '/' + stack.join('/');
        // The root must be a directory; a name ending in `/` is one (the old directory convention).
        if (expected === '/' || name.endsWith('/')) return;
        const read = readLayerTar(rawTar([{ name, data: 'x' }]));
        if (escapes) {
          expect((await domainError(read)).code).toBe('UnsafeTarEntryError');
        } else {
          const entries = await read;
          expect(entries.map((e) => e.path)).toEqual([expected]);
        }
      }),
      runs(200),
    );
  });
});

/** A file's bytes in a layer, as text. */
function fileText(layer: LayerType, path: string): string {
  const node = layer.node(path);
  if (node?.kind !== 'file') throw new Error(`${path} is not a file in the layer`);
  return new TextDecoder().decode(contentBytes(node.inode.content));
}

describe('long names cut in the header', () => {
  // GNU and PAX tars put the first 100 bytes of a long name in the header and the whole name in
  // an extension (GNU `L`, PAX `path`); when those 100 bytes end in `/`, the member is still the
  // regular file the whole name names (GNU tar and Go read it so; tar-stream alone took it for a
  // directory and read its data as the next header).
  const component = fc.stringMatching(/^[a-z]{1,9}$/);
  const longPath = fc.array(component, { minLength: 12, maxLength: 60 }).map((parts) => parts.join('/')).filter((p) => p.length > 100 && p.length < 400);
  it('property: a file whose cut name ends in / is read as the file, and the member after it too', async () => {
    await fc.assert(
      fc.asyncProperty(longPath, fc.integer({ min: 0, max: 99 }), fc.constantFrom('pax', 'gnu'), async (path, cut, style) => {
        // Cut where a / falls, as `d/d/d/…` names always are.
        const slash = path.lastIndexOf('/', Math.max(cut, path.indexOf('/')));
        const field = path.slice(0, Math.min(100, slash + 1));
        const data = `data of ${path.length}`;
        const longName: RawMember[] = style === 'pax' ? [] : [{ name: '././@LongLink', type: 'L', data: `${path}\u0000` }];
        const tar = rawTar([...longName, { name: field, data, ...(style === 'pax' ? { pax: { path } } : {}) }, { name: 'after', data: 'a' }]);
        const layer = await Layer.fromTar(tar);
        const node = layer.node(`/${path}`);
        expect(node?.kind).toBe('file');
        expect(fileText(layer, `/${path}`)).toBe(data);
        expect(layer.node('/after')?.kind).toBe('file');
      }),
      runs(100),
    );
  });

  it('GNU tar of a tree 60 directories deep, in gnu and posix formats', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-deep-'));
    try {
      const deep = Array.from({ length: 60 }, () => 'd').join('/');
      mkdirSync(join(dir, 'src', deep), { recursive: true });
      writeFileSync(join(dir, 'src', deep, 'f'), 'x');
      for (const format of ['gnu', 'posix']) {
        const tar = execFileSync('tar', [`--format=${format}`, '-cf', '-', '-C', join(dir, 'src'), 'd']);
        const layer = await Layer.fromTar(new Uint8Array(tar));
        expect(fileText(layer, `/${deep}/f`), format).toBe('x');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile layer tars', () => {
  it('a name component over NAME_MAX bytes is refused with ENAMETOOLONG', async () => {
    const long = 'é'.repeat(128); // 256 bytes of UTF-8, 128 UTF-16 units
    const fits = 'é'.repeat(127) + 'a'; // 255 bytes
    const ok = await Layer.fromTar(rawTar([{ name: `d/${fits}`, pax: { path: `d/${fits}` } }]));
    expect(ok.node(`/d/${fits}`)?.kind).toBe('file');
    for (const name of [`d/${long}`, `${long}/x`]) {
      const error = await domainError(Layer.fromTar(rawTar([{ name: 'PaxName', pax: { path: name } }])));
      expect(error.code).toBe('LayerFormatError');
      expect(error.data['errno']).toBe('ENAMETOOLONG');
    }
    const link = await domainError(Layer.fromTar(rawTar([{ name: 'f' }, { name: 'l', type: '1', linkname: 'x', pax: { linkpath: long } }])));
    expect(link.data['errno']).toBe('ENAMETOOLONG');
    const whiteout = await Layer.fromTar(rawTar([{ name: `.wh.${fits}`, pax: { path: `.wh.${fits}` } }]));
    expect(whiteout.node(`/${fits}`)?.kind).toBe('whiteout');
  });

  it('a hard link to a symlink keeps the symlink under both names, through toTar', async () => {
    const layer = await Layer.fromTar(rawTar([{ name: 's', type: '2', linkname: 'target' }, { name: 'h', type: '1', linkname: 's' }]));
    for (const path of ['/s', '/h']) {
      const node = layer.node(path);
      expect(node?.kind).toBe('symlink');
      if (node?.kind === 'symlink') expect([node.inode.target, node.inode.nlink]).toEqual(['target', 2]);
    }
    expect(layer.node('/s')).toBe(layer.node('/h'));
    const again = await Layer.fromTar(layer.toTar());
    expect(again.diffId).toBe(layer.diffId);
    expect(again.node('/s')?.kind).toBe('symlink');
    expect(again.node('/h')).toBe(again.node('/s'));
  });

  it('a layer 10,000 directories deep round-trips without overflowing the stack', async () => {
    const entries = [];
    let path = '';
    for (let i = 0; i < 10_000; i++) {
      path += '/d';
      entries.push({ path, type: 'dir' as const });
    }
    entries.push({ path: `${path}/f`, type: 'file' as const, content: 'deep' });
    const layer = Layer.fromEntries(entries);
    const read = await Layer.fromTar(layer.toTar());
    expect(read.entryCount).toBe(layer.entryCount);
    expect(read.diffId).toBe(layer.diffId);
  }, 120_000);
});

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** `total` zero bytes in chunks of 1 MiB, made as they are read (never all at once). */
async function* zeros(total: number): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(MiB);
  for (let left = total; left > 0; left -= MiB) yield left >= MiB ? chunk : chunk.subarray(0, left);
}

async function* concat(...parts: (Uint8Array | AsyncIterable<Uint8Array>)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Uint8Array) yield part;
    else yield* part;
  }
}

/**
 * The input with a count of the bytes taken from it: "stops at once" is asserted as "read at
 * most so many bytes", which does not depend on the machine's speed.
 */
function counted(input: AsyncIterable<Uint8Array>): { input: AsyncGenerator<Uint8Array>; read: () => number } {
  let read = 0;
  async function* pass(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      read += chunk.length;
      yield chunk;
    }
  }
  return { input: pass(), read: () => read };
}

async function outcome<T>(promise: Promise<T>): Promise<T | DomainError> {
  return promise.catch((e: unknown) => e as DomainError);
}

describe('PAX records', () => {
  it('property: well-formed records are read; a wrong length, no =, no newline is a LayerFormatError', async () => {
    const keyArb = fc.stringMatching(/^[a-z][a-z.]{0,8}$/).filter((k) => !['path', 'linkpath', 'size', 'uid', 'gid', 'mtime'].includes(k) && !k.startsWith('GNU.'));
    const fault = fc.constantFrom('none', 'too-long', 'zero', 'non-numeric', 'no-equals', 'no-newline', 'too-short');
    await fc.assert(
      fc.asyncProperty(keyArb, fc.string({ maxLength: 40 }), fault, async (key, value, kind) => {
        const good = new TextDecoder().decode(paxRecords({ [`SCHILY.xattr.user.${key}`]: value }));
        const space = good.indexOf(' ');
        const length = Number(good.slice(0, space));
        const body = good.slice(space + 1);
        const record = {
          none: good,
          'too-long': `${length + 1} ${body}`,
          'too-short': `${length - 2} ${body}`,
          zero: `0 ${body}`,
          'non-numeric': `${length}x ${body}`.replace(/^\d+x/, (m) => m.slice(1)),
          'no-equals': new TextDecoder().decode(paxRecords({ [`SCHILY.xattr.user.${key}`]: value.replaceAll('=', '') })).replace('=', ':'),
          'no-newline': good.slice(0, -1) + ' ',
        }[kind];
        const read = readLayerTar(rawTar([{ name: 'f', pax: new TextEncoder().encode(record) }]));
        if (kind === 'none') {
          const [entry] = await read;
          expect(entry?.xattrs).toEqual({ [`user.${key}`]: value });
        } else {
          expect((await domainError(read)).code).toBe('LayerFormatError');
        }
      }),
      runs(200),
    );
  });
});

describe('bombs and the end of the archive', () => {
  it('one member declaring 16 GiB is refused at its header, before its data is read', async () => {
    const header = rawHeader({ name: 'big', size: 16 * GiB });
    for (const limits of [undefined, { maxDataBytes: 8 * GiB }]) {
      const tar = counted(concat(header, zeros(16 * GiB)));
      const result = await outcome(Layer.fromTar(tar.input, limits === undefined ? {} : { limits }));
      expect((result as DomainError).code).toBe('LayerTooLargeError');
      expect(tar.read()).toBeLessThanOrEqual(header.length + MiB);
    }
  });

  it('16k members of 1 MiB are refused once their sum passes the limit, reading no further', async () => {
    async function* members(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 16 * 1024; i++) {
        yield rawHeader({ name: `f${i}`, size: MiB });
        yield* zeros(MiB);
      }
    }
    const tar = counted(members());
    const result = await outcome(Layer.fromTar(tar.input, { limits: { maxDataBytes: 64 * MiB } }));
    expect((result as DomainError).code).toBe('LayerTooLargeError');
    expect(tar.read()).toBeLessThanOrEqual(65 * (MiB + 512));
    const few = counted(members());
    expect(((await outcome(Layer.fromTar(few.input, { limits: { maxMembers: 100 } }))) as DomainError).code).toBe('LayerTooLargeError');
    expect(few.read()).toBeLessThanOrEqual(101 * (MiB + 512));
  });

  it('a gzip stream of zeros ends at once, as an empty layer', async () => {
    const source = counted(zeros(16 * GiB));
    const gzip = Readable.from(source.input).pipe(createGzip({ level: 1 }));
    const result = await outcome(Layer.fromTar(gzip as AsyncIterable<Uint8Array>));
    expect((result as Layer).entries()).toEqual([]);
    gzip.destroy();
    // What the gzip stream buffered ahead, and the 1 MiB checked after the marker: no more.
    expect(source.read()).toBeLessThanOrEqual(64 * MiB);
  });

  it('reading stops at the end-of-archive marker: 10 GiB of trailing zeros are not read', async () => {
    const members = rawMembers([{ name: 'f', data: 'x' }]);
    const tar = counted(concat(...members, zeros(10 * GiB)));
    const result = await outcome(Layer.fromTar(tar.input));
    expect((result as Layer).node('/f')?.kind).toBe('file');
    expect(tar.read()).toBeLessThanOrEqual(members.reduce((n, m) => n + m.length, 0) + 2 * MiB);
    // GNU tar's record padding is zeros after the marker: fine.
    const padded = new Uint8Array(10240);
    padded.set(rawTar([{ name: 'f', data: 'x' }]));
    expect((await Layer.fromTar(padded)).node('/f')?.kind).toBe('file');
  });

  it('non-zero data after the end-of-archive marker is an error', async () => {
    const tar = rawTar([{ name: 'f', data: 'x' }]);
    const garbage = new Uint8Array(tar.length + 4096);
    garbage.set(tar);
    garbage[tar.length + 1000] = 7;
    expect((await domainError(Layer.fromTar(garbage))).message).toMatch(/after the end-of-archive marker/);
  });

  it('sparse members, GNU and PAX, are refused with the same error', async () => {
    const gnu = await domainError(Layer.fromTar(rawTar([{ name: 'sparse', type: 'S', data: 'x' }])));
    const pax = await domainError(Layer.fromTar(rawTar([{ name: 'GNUSparseFile.1/big', data: 'x', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'big' } }])));
    for (const error of [gnu, pax]) {
      expect(error.code).toBe('LayerFormatError');
      expect(error.message).toMatch(/^sparse tar members are not supported/);
    }
  });
});
