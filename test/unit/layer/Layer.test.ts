import { describe, expect, it } from 'vitest';
import { DomainError, Layer, type LayerEntryInput } from '../../../src/index.js';

describe('Layer.fromEntries / entries', () => {
  it('fills defaults, sorts by path and keeps implicit parents out of entries()', () => {
    const layer = Layer.fromEntries([
      { path: 'usr/bin/env', type: 'file', content: '#!', mode: 0o755 },
      { path: '/etc', type: 'dir' },
      { path: '/etc/link', type: 'symlink', target: '../usr/bin/env' },
    ]);
    expect(layer.entries()).toEqual([
      { path: '/etc', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 },
      { path: '/etc/link', type: 'symlink', target: '../usr/bin/env', mode: 0o777, uid: 0, gid: 0, mtime: 0 },
      { path: '/usr/bin/env', type: 'file', content: new TextEncoder().encode('#!'), mode: 0o755, uid: 0, gid: 0, mtime: 0 },
    ]);
    expect(layer.node('/usr/bin')).toMatchObject({ kind: 'dir', implicit: true });
  });

  it('hard links share one inode; the first name in sort order carries the data', () => {
    const layer = Layer.fromEntries([
      { path: '/z', type: 'file', content: 'data' },
      { path: '/a', type: 'hardlink', target: '/z' },
    ]);
    const a = layer.node('/a');
    const z = layer.node('/z');
    expect(a).toMatchObject({ kind: 'file' });
    expect(a && 'inode' in a && z && 'inode' in z && a.inode === z.inode).toBe(true);
    expect(a && 'inode' in a ? a.inode.nlink : 0).toBe(2);
    expect(layer.entries().map((e) => [e.path, e.type, e.target])).toEqual([
      ['/a', 'file', undefined],
      ['/z', 'hardlink', '/a'],
    ]);
  });

  it('many hard links and long link-to-link chains resolve to their file, and a cycle is refused', () => {
    // 20,000 names of one file and a chain of 5,000 links: each lookup was once a search of
    // every link, which made such a tar take seconds to read (minutes at the member limit).
    const many = 20_000;
    const chain = 5_000;
    const entries: LayerEntryInput[] = [{ path: '/f', type: 'file', content: 'x' }];
    for (let i = 0; i < many; i++) entries.push({ path: `/many/${i}`, type: 'hardlink', target: '/f' });
    for (let i = 0; i < chain; i++) entries.push({ path: `/chain/${i}`, type: 'hardlink', target: i === 0 ? '/f' : `/chain/${i - 1}` });
    const layer = Layer.fromEntries(entries);
    const f = layer.node('/f');
    const last = layer.node(`/chain/${chain - 1}`);
    expect(f?.kind === 'file' && last?.kind === 'file' && last.inode === f.inode).toBe(true);
    expect(f?.kind === 'file' ? f.inode.nlink : 0).toBe(1 + many + chain);
    const cycle: LayerEntryInput[] = [
      { path: '/a', type: 'hardlink', target: '/b' },
      { path: '/b', type: 'hardlink', target: '/a' },
    ];
    expect(() => Layer.fromEntries(cycle)).toThrow(/hard link cycle/);
  });

  it('a whiteout beside a same-layer directory makes it opaque; beside a file it is redundant', () => {
    const layer = Layer.fromEntries([
      { path: '/d', type: 'whiteout' },
      { path: '/d', type: 'dir' },
      { path: '/f', type: 'whiteout' },
      { path: '/f', type: 'file' },
      { path: '/w/x', type: 'whiteout' },
      { path: '/w/x/y', type: 'file' },
    ]);
    expect(layer.entries().map((e) => `${e.type} ${e.path}`)).toEqual(['opaque /d', 'file /f', 'opaque /w/x', 'file /w/x/y']);
  });

  it('rejects what no layer can hold', () => {
    const bad = [
      [{ path: '/a', type: 'file' }, { path: '/a', type: 'dir' }],
      [{ path: '/../etc', type: 'file' }],
      [{ path: '/.wh.x', type: 'file' }],
      [{ path: '/', type: 'whiteout' }],
      [{ path: '/f', type: 'file' }, { path: '/f/g', type: 'file' }],
      [{ path: '/l', type: 'hardlink', target: '/missing' }],
      [{ path: '/s', type: 'symlink' }],
    ] as const;
    for (const entries of bad) {
      expect(() => Layer.fromEntries(entries as never)).toThrow(DomainError);
    }
  });

  it('has the well-known empty diffId and shares content between layers', async () => {
    const empty = Layer.fromEntries([]);
    expect(empty.diffId).toBe('sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef');
    const bytes = new Uint8Array(1024);
    const one = Layer.fromEntries([{ path: '/f', type: 'file', content: bytes }]);
    const node = one.node('/f');
    expect(node?.kind === 'file' && node.inode.type === 'file' && node.inode.content.read(0, 1024).buffer).toBe(bytes.buffer);
  });
});
