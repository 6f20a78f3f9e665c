/**
 * `overlay demo`: offline, deterministic, made of real commands (what it prints under each
 * `$ overlay …` line is what that command prints against the same store), and it leaves a real
 * store when asked to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, EPOCH, HOOK_TIMEOUT, ROOT, TEST_TIMEOUT, ensureBuilt, overlayIn, tempDir } from './helpers.js';

beforeAll(ensureBuilt, HOOK_TIMEOUT);

const indent = (text: string): string =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l === '' ? '' : `  ${l}`))
    .join('\n') + '\n';

/**
 * Checks that the demo printed `output` right under the command line `  $ line`, and nothing
 * more: the next line is blank (the demo's gap before what follows) or the end.
 */
function expectShownUnder(demo: string, line: string, output: string): void {
  const header = `  $ ${line}\n`;
  const at = demo.indexOf(header);
  expect(at, `the demo shows "$ ${line}"`).toBeGreaterThanOrEqual(0);
  expect(demo.indexOf(header, at + 1), `"$ ${line}" appears once`).toBe(-1);
  const after = demo.slice(at + header.length);
  const shown = indent(output);
  expect(after.slice(0, shown.length)).toBe(shown);
  const rest = after.slice(shown.length);
  expect(rest === '' || rest.startsWith('\n')).toBe(true);
}

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
    // Every layer is made by a command the demo shows.
    expect(first).toContain('  $ overlay import demo-os.tar demo/os:1.0');
    expect(first.match(/^ {2}\$ overlay commit /gm)).toHaveLength(4);
    expect(first).toContain('copied up: the writable layer holds its own copy');
    // The upper layer is labelled as `explain` and `stack` label it.
    expect(first).toMatch(/upper \(container web, writable\)\s+whiteout\s+deletes/);
    expect(first).toMatch(/upper \(container web, writable\)\s+opaque dir\s+provides/);
    expect(first).toMatch(/^ {2}D \/bin\/ls$/m);
    expect(first).toMatch(/= ChainID\(1\) ✓/);
    // The temporary store's path never shows (it differs on every run).
    expect(first).not.toMatch(/overlay-demo-|\/dev\/shm/);
    expect(first).not.toContain(tmpdir() + '/');
    // The temporary store is gone; nothing was written to the default store.
    expect(existsSync(o.store)).toBe(false);
  });

  it('prints what the real commands print: the same argv against the kept store prints the same', () => {
    const o = overlayIn();
    const text = o.ok(['demo', '--keep']);
    const settings = /^ {2}export OVERLAY_STORE=(\S+) SOURCE_DATE_EPOCH=(\d+) OVERLAY_PLATFORM=(\S+)$/m.exec(text);
    expect(settings).not.toBeNull();
    const [, store, epoch, platform] = settings as unknown as [string, string, string, string];
    try {
      expect(existsSync(join(store, 'index.json'))).toBe(true);
      const env = { OVERLAY_STORE: store, SOURCE_DATE_EPOCH: epoch, OVERLAY_PLATFORM: platform };
      const same = (line: string, argv: string[]): void => expectShownUnder(text, line, o.ok(argv, { env }));
      same('overlay history demo/app:1.0', ['history', 'demo/app:1.0']);
      same('overlay history demo/app:1.1', ['history', 'demo/app:1.1']);
      same('overlay layers', ['layers']);
      same('overlay df', ['df']);
      same('overlay images', ['images']);
      same('overlay diff web', ['diff', 'web']);
      same('overlay stack web', ['stack', 'web']);
      same('overlay explain web /bin/ls', ['explain', 'web', '/bin/ls']);
      same('overlay explain web /usr/share/doc', ['explain', 'web', '/usr/share/doc']);
      same('overlay ls web /usr/share/doc', ['ls', 'web', '/usr/share/doc']);
      same('overlay cat web /etc/motd', ['cat', 'web', '/etc/motd']);
      // jq '.[0] | {Id, RootFS, ChainIDs}' of the real inspect output, as jq prints it.
      const [image] = o.json<Record<string, unknown>[]>(['inspect', 'demo/app:1.1'], { env });
      const picked = { Id: image!['Id'], RootFS: image!['RootFS'], ChainIDs: image!['ChainIDs'] };
      expectShownUnder(text, "overlay inspect demo/app:1.1 | jq '.[0] | {Id, RootFS, ChainIDs}'", JSON.stringify(picked, null, 2));
      // Committing the same container again at the same time makes the same image.
      same("overlay commit web demo/app:1.1 -m 'custom motd, no ls, our notes' --author 'Demo <demo@example.org>'", [
        'commit',
        'web',
        'demo/app:1.1',
        '-m',
        'custom motd, no ls, our notes',
        '--author',
        'Demo <demo@example.org>',
      ]);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('stops at a failing command: exit code 1, the command and its stderr', () => {
    const o = overlayIn();
    const store = join(tempDir(), 'demo-store');
    const rootfs = tempDir('overlay-e2e-rootfs-');
    o.ok(['import', rootfs, 'other:1', '--store', store]);
    o.ok(['create', 'other:1', '--name', 'build', '--store', store]);
    const r = o(['demo', '--store', store]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'overlay: demo: this step failed with exit code 1: overlay create demo/os:1.0 --name build\n' + 'overlay: create: container name build is already in use\n',
    );
    // The tour went as far as that command, and no further.
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('  $ overlay create demo/os:1.0 --name build');
  });

  it('pins the platform with OVERLAY_PLATFORM, as it does for its images; a malformed one is a usage error', () => {
    const o = overlayIn();
    const rootfs = tempDir('overlay-e2e-rootfs-');
    o.ok(['import', rootfs, 'pinned:1'], { env: { OVERLAY_PLATFORM: 'linux/arm64/v8' } });
    const [image] = o.json<{ Os: string; Architecture: string }[]>(['inspect', 'pinned:1']);
    expect([image!.Os, image!.Architecture]).toEqual(['linux', 'arm64']);
    const bad = o(['import', rootfs, 'pinned:2'], { env: { OVERLAY_PLATFORM: 'amd64' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('overlay: import: OVERLAY_PLATFORM must be os/arch[/variant], like linux/amd64, not "amd64"\n');
  });

  it("runs as the README's quick start runs it: `npx overlay demo` in the project", () => {
    // npm gives the package's bin no executable bit of its own: the build must set it.
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const r = spawnSync('npx', ['--no-install', 'overlay', 'demo'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH } });
    expect(r.stderr).not.toMatch(/Permission denied|not found/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^overlay demo: how container images and overlay filesystems work$/m);
  });

  it('keeps its store with --store: its images, the container web, shared layers', () => {
    const o = overlayIn();
    const store = join(tempDir(), 'demo-store');
    const text = o.ok(['demo', '--store', store]);
    expect(text).toContain(`skopeo inspect oci:${store}:demo/app:1.1`);
    const images = o.json<{ repository: string; tag: string }[]>(['images', '--store', store]);
    expect(images.map((i) => `${i.repository}:${i.tag}`)).toEqual(['demo/app:1.0', 'demo/app:1.1', 'demo/os:1.0', 'demo/python:1.0', 'demo/tools:1.0']);
    // The build containers are gone, as docker build removes its intermediate containers.
    expect(o.json<{ name: string }[]>(['ps', '--store', store]).map((c) => c.name)).toEqual(['web']);
    expect(o.ok(['ps', '--store', store])).toMatch(/demo\/app:1\.0 .* web$/m);
    expect(o.ok(['cat', 'web', '/etc/motd', '--store', store])).toBe('Welcome to the web container!\n');
    const layers = o.json<{ images: unknown[] }[]>(['layers', '--store', store]);
    expect(layers.map((l) => l.images.length)).toEqual([5, 4, 2, 1, 1]);
    expect(readdirSync(join(store, 'blobs', 'sha256')).length).toBeGreaterThan(8);
  });
});
