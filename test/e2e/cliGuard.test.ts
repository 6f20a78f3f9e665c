/** A CLI that cannot destroy work by a slip (issue 10): through the built binary. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, EPOCH, HOOK_TIMEOUT, ROOT, TEST_TIMEOUT, ensureBuilt, overlayIn, sh, tempDir, type Overlay } from './helpers.js';

let o: Overlay;

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  mkdirSync(join(o.dir, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(join(o.dir, 'rootfs', 'etc', 'motd'), 'Welcome\n');
  o.ok(['import', 'rootfs', 'base:1.0']);
}, HOOK_TIMEOUT);

const names = (): string[] => o.json<{ name: string }[]>(['ps']).map((c) => c.name);

describe('paths inside containers are absolute', { timeout: TEST_TIMEOUT }, () => {
  it('rm web etc/motd is a usage error and the container and its changes stay', () => {
    o.ok(['create', 'base:1.0', '--name', 'web']);
    o.ok(['write', 'web', '/etc/motd', 'changed']);
    const slip = o(['rm', 'web', 'etc/motd']);
    expect(slip.code).toBe(2);
    expect(slip.stderr).toContain('"etc/motd" is not an absolute path');
    expect(slip.stderr).toContain('did you mean /etc/motd?');
    expect(slip.stderr).toContain('overlay container rm web etc/motd');
    expect(names()).toContain('web');
    expect(o.ok(['cat', 'web', '/etc/motd'])).toBe('changed');
    // Mixed: one absolute, one not: nothing is removed either.
    expect(o(['rm', 'web', '/etc/motd', 'etc/motd']).code).toBe(2);
    expect(o.ok(['cat', 'web', '/etc/motd'])).toBe('changed');
  });

  it('every verb that takes a path inside refuses a relative one with the absolute one', () => {
    const cases: string[][] = [
      ['cat', 'web', 'etc/motd'],
      ['ls', 'web', 'etc'],
      ['explain', 'web', 'etc/motd'],
      ['write', 'web', 'etc/motd', 'x'],
      ['append', 'web', 'etc/motd', 'x'],
      ['mkdir', 'web', 'srv'],
      ['touch', 'web', 'etc/motd'],
      ['chmod', 'web', '600', 'etc/motd'],
      ['mv', 'web', '/etc/motd', 'etc/motd2'],
      ['mv', 'web', 'etc/motd', '/etc/motd2'],
      ['ln', 'web', 'etc/motd', '/etc/link'],
      ['ln', '-s', 'web', 'motd', 'etc/link'],
    ];
    for (const args of cases) {
      const r = o(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/is not an absolute path: .*\(did you mean \/etc\/?[a-z0-9]*\?\)|did you mean \/srv\?/);
    }
    // A symbolic link's text is kept as given: relative targets are fine.
    o.ok(['ln', '-s', 'web', 'motd', '/etc/link']);
    expect(o.ok(['ls', 'web', '/etc'])).toContain('link -> motd');
    expect(o.ok(['cat', 'web', '/etc/motd'])).toBe('changed');
  });
});

describe('container removal', { timeout: TEST_TIMEOUT }, () => {
  it('needs -f for a container with uncommitted changes, by either form', () => {
    o.ok(['create', 'base:1.0', '--name', 'dirty']);
    o.ok(['write', 'dirty', '/etc/motd', 'work']);
    for (const args of [['rm', 'dirty'], ['container', 'rm', 'dirty']]) {
      const r = o(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'overlay: ' + args.slice(0, -1).join(' ').replace('container rm', 'container') +
          ': container dirty has uncommitted changes (see overlay diff dirty): keep them with "overlay commit dirty IMAGE", or remove it anyway with -f\n',
      );
    }
    expect(names()).toContain('dirty');
    expect(o.ok(['container', 'rm', '-f', 'dirty'])).toMatch(/^dirty \([0-9a-f]{12}\)\n$/);
    expect(names()).not.toContain('dirty');
  });

  it('removes without -f a container that changed nothing, or whose changes are committed', () => {
    o.ok(['create', 'base:1.0', '--name', 'clean']);
    o.ok(['create', 'base:1.0', '--name', 'saved']);
    o.ok(['write', 'saved', '/etc/motd', 'kept']);
    o.ok(['commit', 'saved', 'base:saved']);
    expect(o.ok(['container', 'rm', 'clean', 'saved'])).toMatch(/^clean \([0-9a-f]{12}\)\nsaved \([0-9a-f]{12}\)\n$/);
    expect(names()).not.toContain('clean');
    expect(o.ok(['cat', 'base:saved', '/etc/motd'])).toBe('kept');
  });

  it('checks every container before removing any', () => {
    o.ok(['create', 'base:1.0', '--name', 'a1']);
    o.ok(['create', 'base:1.0', '--name', 'a2']);
    o.ok(['write', 'a2', '/x', 'y']);
    expect(o(['container', 'rm', 'a1', 'a2']).code).toBe(1);
    expect(o(['container', 'rm', 'a1', 'ghost']).stderr).toBe('overlay: container: no such container: ghost\n');
    expect(names()).toEqual(expect.arrayContaining(['a1', 'a2']));
    o.ok(['container', 'rm', '-f', 'a1', 'a2', 'ghost']);
    expect(names()).not.toContain('a1');
  });

  it('rm takes one container only; container takes only rm', () => {
    expect(o(['rm', '-r', 'web']).code).toBe(2);
    expect(o(['container', 'ls', 'web']).code).toBe(2);
    expect(o(['container', 'rm']).code).toBe(2);
    expect(names()).toContain('web');
  });
});

describe("the README's session", { timeout: TEST_TIMEOUT }, () => {
  it('runs as written, its rootfs recipe first, in a new directory', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### A session'), readme.indexOf('### Verbs'));
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(2);
    expect(blocks[1]).toMatch(/^alias overlay="npx overlay"/);
    // `npx overlay` runs this checkout's binary: the same one, called directly.
    const script = ['set -e', ...blocks].join('\n').replace(/^alias overlay=.*$/m, `overlay() { node ${JSON.stringify(BIN)} "$@"; }`);
    const dir = tempDir();
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: dir, SOURCE_DATE_EPOCH: EPOCH } });
    expect(r.stderr.replace(/^overlay: new store created at .*\n/, '')).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'app.tar')).length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'app-rootfs.tar')).length).toBeGreaterThan(0);
  });
});

describe('host inputs', { timeout: TEST_TIMEOUT }, () => {
  it('import and load refuse a FIFO or a device instead of reading it forever', () => {
    sh('mkfifo pipe', o.dir);
    for (const [verb, source] of [['import', 'pipe'], ['import', '/dev/zero'], ['load', '/dev/zero'], ['load', 'pipe']] as const) {
      const started = Date.now();
      const r = o(verb === 'import' ? ['import', source, 'x:1'] : ['load', source]);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(r.code, `${verb} ${source}`).toBe(1);
      const kind = source === 'pipe' ? 'a FIFO' : 'a character device';
      expect(r.stderr).toBe(`overlay: ${verb}: ${source} is ${kind}: give a tar file or a directory, or - to read a stream from stdin\n`);
    }
    expect(o(['write', 'web', '/tmp-x', '--from', '/dev/zero']).stderr).toBe(
      'overlay: write: /dev/zero is a character device: give a tar file or a directory, or - to read a stream from stdin\n',
    );
    // A stream is still welcome on stdin.
    expect(o(['import', '-', 'x:1'], { input: sh('tar -cf - -C rootfs .', o.dir) }).code).toBe(0);
  });

  it('a layer declaring more data than OVERLAY_MAX_LAYER_SIZE is refused at its header, saying how to raise the limit', () => {
    // One member declaring 16 GiB in a PAX size record, and nothing after it: a tar bomb.
    const bomb = sh(`python3 -c "import sys,tarfile; t=tarfile.TarInfo('big'); t.size=16<<30; sys.stdout.buffer.write(t.tobuf(format=tarfile.PAX_FORMAT)+bytes(4096))" > bomb.tar && echo ok`, o.dir);
    expect(bomb.trim()).toBe('ok');
    const before = o.ok(['images', '-q']);
    for (const limit of ['1G', '']) {
      const started = Date.now();
      const r = o(['import', 'bomb.tar', 'bomb:1'], { env: limit === '' ? {} : { OVERLAY_MAX_LAYER_SIZE: limit } });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(r.code).toBe(1);
      // Without the variable the limit is half of this machine's memory: still under 16 GiB here,
      // unless the machine has more than 32 GiB.
      if (limit !== '' || totalmem() < 32 * 1024 ** 3) expect(r.stderr).toMatch(/^overlay: import: the layer declares more than \d+ bytes of member data \(the limit can be raised\): set OVERLAY_MAX_LAYER_SIZE \(e\.g\. 64G\)\n$/);
    }
    expect(o.ok(['images', '-q'])).toBe(before);
    expect(o(['images'], { env: { OVERLAY_MAX_LAYER_SIZE: 'lots' } }).stderr).toBe('overlay: images: OVERLAY_MAX_LAYER_SIZE must be a size like 8G or 500M, not "lots"\n');
  });

  it('a directory with a name that is not UTF-8 fails naming the path, not with a false ENOENT', () => {
    const dir = join(o.dir, 'latin1');
    mkdirSync(join(dir, 'etc'), { recursive: true });
    writeFileSync(Buffer.concat([Buffer.from(join(dir, 'etc', 'caf')), Buffer.from([0xe9])]), 'x');
    const r = o(['import', dir, 'latin:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`overlay: import: ${join(dir, 'etc', 'caf')}\\xe9: the file name is not valid UTF-8 (bytes shown as \\xNN); rename it to import it\n`);
    expect(r.stderr).not.toContain('no such file');
  });

  it('a path argument that was not UTF-8 (U+FFFD after Node decodes it) is refused, never written', () => {
    const r = spawnSync('sh', ['-c', `node "$0" write web "$(printf '/caf\\351')" data`, BIN], { cwd: o.dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', OVERLAY_STORE: o.store } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('"/caf\uFFFD" has the character U+FFFD: a path given on the command line must be valid UTF-8');
    expect(o.ok(['ls', 'web', '/'])).not.toContain('caf');
    const host = spawnSync('sh', ['-c', `node "$0" import "$(printf 'caf\\351')" y:1`, BIN], { cwd: o.dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', OVERLAY_STORE: o.store } });
    expect(host.status).toBe(2);
    expect(host.stderr).toContain('has the character U+FFFD');
  });
});
