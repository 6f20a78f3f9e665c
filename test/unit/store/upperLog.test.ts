/**
 * The writable layer's log (src/store/upperLog.ts): scenarios the property law
 * (test/property/appendedUpperMatchesWhole.test.ts) reaches rarely, each saved by appending
 * after every op and compared with the layer saved whole.
 */
import { describe, expect, it } from 'vitest';
import { Layer, Overlay } from '../../../src/index.js';
import { upperChanges } from '../../../src/overlay/index.js';
import { decodeSegment } from '../../../src/store/upperLog.js';
import { checkAppendedUpperMatchesWhole } from '../../property/laws/index.js';
import type { LayerEntryInput } from '../../../src/index.js';
import type { FsOp } from '../../../src/testing/index.js';

const lower: LayerEntryInput[] = [
  { path: '/etc/motd', type: 'file', content: 'hello' },
  { path: '/etc/hosts', type: 'file', content: 'hosts' },
  { path: '/doc/a/README', type: 'file', content: 'r' },
  { path: '/doc/b', type: 'file', content: 'b' },
];

const scenarios: Record<string, FsOp[]> = {
  'hard links: link, write through one name, unlink the other': [
    { op: 'writeFile', path: '/x', data: 'one' },
    { op: 'link', from: '/x', to: '/y' },
    { op: 'link', from: '/y', to: '/etc/z' },
    { op: 'appendFile', path: '/y', data: 'two' },
    { op: 'chmod', path: '/etc/z', mode: 0o600 },
    { op: 'unlink', path: '/x' },
    { op: 'rename', from: '/y', to: '/etc/motd' },
    { op: 'unlink', path: '/etc/z' },
  ],
  'a lower hard link copied up': [
    { op: 'link', from: '/etc/hosts', to: '/etc/hosts2' },
    { op: 'writeFile', path: '/etc/hosts2', data: 'new' },
  ],
  'removing an upper-only file leaves nothing; a lower one a whiteout': [
    { op: 'writeFile', path: '/new', data: 'n' },
    { op: 'unlink', path: '/new' },
    { op: 'unlink', path: '/etc/motd' },
    { op: 'writeFile', path: '/etc/motd', data: 'back' },
  ],
  'rm -r of a lower directory, then mkdir: opaque': [
    { op: 'rm', path: '/doc' },
    { op: 'mkdir', path: '/doc' },
    { op: 'writeFile', path: '/doc/c', data: 'c' },
    { op: 'rm', path: '/doc' },
  ],
  'an upper directory with contents renamed, then changed below': [
    { op: 'mkdir', path: '/u/v/w', recursive: true },
    { op: 'writeFile', path: '/u/v/w/f', data: 'f' },
    { op: 'rename', from: '/u', to: '/t' },
    { op: 'writeFile', path: '/t/v/w/f', data: 'g' },
    { op: 'rename', from: '/t/v', to: '/etc/v' },
    { op: 'rmdir', path: '/t' },
  ],
  'attributes of the root and of copied-up directories': [
    { op: 'chmod', path: '/', mode: 0o700 },
    { op: 'chmod', path: '/doc/a', mode: 0o700 },
    { op: 'utimes', path: '/doc', atime: 1, mtime: 2 },
    { op: 'chmod', path: '/', mode: 0o755 },
    { op: 'unlink', path: '/doc/a/README' },
  ],
  'a name with a lone surrogate (the tar writes U+FFFD)': [
    { op: 'mkdir', path: '/s\ud800' },
    { op: 'writeFile', path: '/s\ud800/f', data: 'f' },
    { op: 'rm', path: '/s\ud800' },
  ],
  'a file replaced by a directory and back': [
    { op: 'unlink', path: '/doc/b' },
    { op: 'mkdir', path: '/doc/b' },
    { op: 'writeFile', path: '/doc/b/in', data: 'i' },
    { op: 'rm', path: '/doc/b' },
    { op: 'symlink', target: '/etc', path: '/doc/b' },
  ],
};

describe('appended saves of the writable layer', () => {
  for (const [name, ops] of Object.entries(scenarios)) {
    it(name, async () => {
      await checkAppendedUpperMatchesWhole([lower], ops, {});
    });
  }

  it('a segment holds only what changed, not the rest of the upper', async () => {
    const lowers = [Layer.fromEntries(lower)];
    const big = Layer.fromEntries(Array.from({ length: 2000 }, (_, i) => ({ path: `/data/f${i}`, type: 'file' as const, content: 'x'.repeat(100) })));
    const mount = new Overlay({ lowers, upper: big });
    mount.fs.writeFileSync('/data/f7', 'changed');
    mount.fs.writeFileSync('/etc/new', 'n');
    const changes = upperChanges(mount)!;
    expect(changes.changes.map((c) => [c.path, c.scope, c.state])).toEqual([
      ['/data/f7', 'node', 'entry'],
      ['/etc', 'subtree', 'entry'],
    ]);
    expect(changes.layer.paths()).toEqual(['/', '/data', '/data/f7', '/etc', '/etc/new']);
  });

  it('refuses a segment that is not one, or is cut short', async () => {
    await expect(decodeSegment(new TextEncoder().encode('hello'), 'x.seg')).rejects.toThrow('x.seg: not a writable-layer segment');
    const head = new TextEncoder().encode('overlay-upper-segment 1\n\0\0\0\x40[]');
    await expect(decodeSegment(head, 'y.seg')).rejects.toThrow('y.seg: truncated');
  });
});
