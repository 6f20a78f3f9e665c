/** `overlay demo`: offline, quick, deterministic, and it leaves a real store when asked to. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, EPOCH, HOOK_TIMEOUT, ROOT, TEST_TIMEOUT, ensureBuilt, overlayIn, tempDir } from './helpers.js';

beforeAll(ensureBuilt, HOOK_TIMEOUT);

describe('overlay demo', { timeout: TEST_TIMEOUT }, () => {
  // How long it takes is measured by `npm run bench` (section 5), not asserted here.
  it('tells the story in numbered steps, the same way every run', () => {
    const o = overlayIn();
    const first = o.ok(['demo'], { env: { SOURCE_DATE_EPOCH: '' } });
    const second = o.ok(['demo']);
    expect(second).toBe(first);
    const headings = first.match(/^── \d+\. .*$/gm)!.map((h) => h.replace(/ ─+$/, ''));
    expect(headings).toEqual([
      '── 1. Three read-only layers',
      '── 2. The stack, drawn',
      '── 3. A container: one writable layer on top',
      '── 4. Changing a lower file: copy-up',
      '── 5. Deleting a lower file: a whiteout',
      '── 6. Removing a directory and making it again: an opaque directory',
      '── 7. What changed: diff',
      '── 8. Commit: the writable layer becomes an image layer',
      '── 9. Digests: DiffIDs and ChainIDs',
      '── 10. Two images sharing their base layers',
      '── 11. The store is an OCI image layout',
    ]);
    expect(first).toContain('copied up: the writable layer holds its own copy');
    expect(first).toMatch(/upper \(container web\)\s+whiteout\s+deletes/);
    expect(first).toMatch(/upper \(container web\)\s+opaque dir\s+provides/);
    expect(first).toMatch(/^ {2}D \/bin\/ls$/m);
    expect(first).toMatch(/= ChainID\(1\) ✓/);
    expect(first).toMatch(/^ {2}layer 3 {2}DiffID {3}sha256:[0-9a-f]{64}\n {11}ChainID {2}sha256:[0-9a-f]{64}$/m);
    // The temporary store is gone; nothing was written to the default store.
    expect(existsSync(o.store)).toBe(false);
  });

  it("runs as the README's quick start runs it: `npx overlay demo` in the project", () => {
    // npm gives the package's bin no executable bit of its own: the build must set it.
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const r = spawnSync('npx', ['--no-install', 'overlay', 'demo'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH } });
    expect(r.stderr).not.toMatch(/Permission denied|not found/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^overlay demo: how container images and overlay filesystems work$/m);
  });

  it('keeps its store with --store: three images, a container, shared layers', () => {
    const o = overlayIn();
    const store = join(tempDir(), 'demo-store');
    const text = o.ok(['demo', '--store', store]);
    expect(text).toContain(`skopeo inspect oci:${store}:demo/app:1.1`);
    const images = o.json<{ repository: string; tag: string }[]>(['images', '--store', store]);
    expect(images.map((i) => `${i.repository}:${i.tag}`)).toEqual(['demo/app:1.0', 'demo/app:1.1', 'demo/tools:1.0']);
    expect(o.ok(['ps', '--store', store])).toMatch(/demo\/app:1\.0 .* web$/m);
    expect(o.ok(['cat', 'web', '/etc/motd', '--store', store])).toBe('Welcome to the web container!\n');
    const layers = o.json<{ images: unknown[] }[]>(['layers', '--store', store]);
    expect(layers.map((l) => l.images.length)).toEqual([3, 3, 2, 1, 1]);
    expect(readdirSync(join(store, 'blobs', 'sha256')).length).toBeGreaterThan(8);
  });
});
