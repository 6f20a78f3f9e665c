/**
 * Node's realpathSync (lib/fs.js) walks the path in JavaScript, and before it reads a symlink
 * it stats it: the kernel then follows the link whole, so a target with a trailing slash that
 * names a non-directory is ENOTDIR there, even when it is the last component. Found by the
 * kernel conformance suite (redirect_dir mode, CI seed -1996478563: realpath of `/a/b/` with
 * `/a/b -> a/` and `/a/a` a file). Each case is checked against Node's fs on a real tree.
 */
import * as nodeFs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Layer } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';

const dir = mkdtempSync(join(tmpdir(), 'overlay-realpath-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The same tree on disk and as an overlay: a file, a directory, and links to each with and
// without a trailing slash, one dangling, one through another link.
const links: Record<string, string> = {
  '/a/tofile': 'f',
  '/a/tofile-slash': 'f/',
  '/a/todir-slash': 'd/',
  '/a/missing-slash': 'nothing/',
  '/a/chain-slash': 'tofile-slash',
  '/a/abs-slash': '/a/f/',
};
mkdirSync(join(dir, 'a', 'd'), { recursive: true });
writeFileSync(join(dir, 'a', 'f'), '');
for (const [path, target] of Object.entries(links)) symlinkSync(target.startsWith('/') ? join(dir, target) : target, join(dir, path));
const overlay = new Overlay({
  lowers: [
    Layer.fromEntries([
      { path: '/a/f', type: 'file', content: '' },
      { path: '/a/d', type: 'dir' },
    ]),
    Layer.fromEntries(Object.entries(links).map(([path, target]) => ({ path, type: 'symlink' as const, target }))),
  ],
});

function outcome(call: () => string): string {
  try {
    return `ok ${call()}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

describe('realpathSync through symlinks, as Node does it', () => {
  const paths = Object.keys(links).flatMap((p) => [p, `${p}/`, `${p}/x`]);
  it.each(paths)('%s', (path) => {
    const node = outcome(() => nodeFs.realpathSync(join(dir, path)).slice(dir.length));
    expect(outcome(() => overlay.fs.realpathSync(path) as string)).toBe(node);
  });
});
