import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerFromDirectory } from '../../../src/host/index.js';

describe('layerFromDirectory', () => {
  it('reads files, directories, symlinks, hard links, modes and whole-second mtimes', () => {
    const root = mkdtempSync(join(tmpdir(), 'overlay-hostdir-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'motd'), 'hi');
    chmodSync(join(root, 'etc', 'motd'), 0o600);
    linkSync(join(root, 'etc', 'motd'), join(root, 'etc', 'motd.bak'));
    symlinkSync('motd', join(root, 'etc', 'link'));
    utimesSync(join(root, 'etc', 'motd'), 1_700_000_000.75, 1_700_000_000.75);
    let skipped: string[] = [];
    try {
      execFileSync('mkfifo', [join(root, 'fifo')]);
    } catch {
      skipped = ['(no mkfifo)'];
    }
    const layer = layerFromDirectory(root, { onSkip: (p) => skipped.push(p) });
    const entries = layer.entries();
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('/etc/motd')).toMatchObject({ type: 'file', mode: 0o600, mtime: 1_700_000_000_000 });
    expect(new TextDecoder().decode(byPath.get('/etc/motd')!.content)).toBe('hi');
    expect(byPath.get('/etc/motd.bak')).toMatchObject({ type: 'hardlink', target: '/etc/motd' });
    expect(byPath.get('/etc/link')).toMatchObject({ type: 'symlink', target: 'motd' });
    expect(byPath.get('/')).toMatchObject({ type: 'dir' });
    expect(skipped).toEqual(skipped[0] === '(no mkfifo)' ? ['(no mkfifo)'] : ['/fifo']);
  });

  it('refuses a name that is not UTF-8 with its path and bytes, not a false ENOENT', () => {
    const root = mkdtempSync(join(tmpdir(), 'overlay-hostdir-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(Buffer.concat([Buffer.from(join(root, 'etc', 'caf')), Buffer.from([0xe9])]), 'latin-1 name');
    expect(() => layerFromDirectory(root)).toThrow(`${join(root, 'etc', 'caf')}\\xe9: the file name is not valid UTF-8`);
    expect(() => layerFromDirectory(root)).toThrow(expect.objectContaining({ code: 'InvalidArgumentError' }));
  });

  it('refuses a symbolic link whose text is not UTF-8', () => {
    const root = mkdtempSync(join(tmpdir(), 'overlay-hostdir-'));
    symlinkSync(Buffer.from([0x61, 0xff]), join(root, 'link'));
    expect(() => layerFromDirectory(root)).toThrow(`${join(root, 'link')}: the symbolic link target is not valid UTF-8 ("a\\xff")`);
  });

  it('walks a deep tree without the call stack, with hard links as before', () => {
    const root = mkdtempSync(join(tmpdir(), 'overlay-hostdir-'));
    const depth = 1500;
    mkdirSync(join(root, ...Array<string>(depth).fill('d')), { recursive: true });
    writeFileSync(join(root, 'a.b'), 'x');
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'x'), 'y');
    linkSync(join(root, 'a', 'x'), join(root, 'a.c'));
    const layer = layerFromDirectory(root);
    expect(layer.entries().filter((e) => e.type === 'dir')).toHaveLength(depth + 2);
    // The pair of hard links is kept as the layer orders its members (byte order: /a.c first).
    expect(layer.entries().find((e) => e.path === '/a/x')).toMatchObject({ type: 'hardlink', target: '/a.c' });
  });
});
