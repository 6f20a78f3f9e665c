import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/errors/index.js';
import { Layer } from '../../../src/layer/index.js';
import { readLayerTar } from '../../../src/layer/tar/readTar.js';
import { runs } from '../../property/support/config.js';
import { rawTar } from './support/rawTar.js';

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
        if (expected === '/' || name === '') return; // the root must be a directory
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
