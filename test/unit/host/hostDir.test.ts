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
});
