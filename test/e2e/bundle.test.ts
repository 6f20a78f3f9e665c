/**
 * The CLI bundle (scripts/cli-build.mjs) starts with as little as it can: V8's code cache for
 * the bundle, none of Node's modules that only some commands need, and nothing that only
 * `--help` needs (string-width's `Intl.Segmenter` and Unicode-set regular expressions are made
 * on first use: about 40 ms of CPU at every start). Preloads count the segmenters made and list
 * the modules Node loaded.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, HOOK_TIMEOUT, ROOT, TEST_TIMEOUT, ensureBuilt, tempDir } from './helpers.js';

let preload: string;
let modules: string;

beforeAll(async () => {
  await ensureBuilt();
  preload = join(tempDir(), 'count-segmenters.mjs');
  writeFileSync(
    preload,
    [
      'let made = 0;',
      'const Real = Intl.Segmenter;',
      'Intl.Segmenter = class extends Real { constructor(...args) { super(...args); made++; } };',
      "process.on('exit', () => process.stderr.write(`segmenters: ${made}\\n`));",
    ].join('\n'),
  );
  modules = join(tempDir(), 'list-modules.cjs');
  writeFileSync(modules, "process.on('exit', () => process.stderr.write(`modules: ${process.moduleLoadList.join(',')}\\n`));\n");
}, HOOK_TIMEOUT);

function segmentersMade(args: string[]): { made: number; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', preload, BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status).toBe(0);
  return { made: Number(/segmenters: (\d+)/.exec(r.stderr)?.[1]), stdout: r.stdout };
}

/**
 * The executable and its bundle copied into `dir` (with the build's shared code cache when
 * `cache`), so a test can change the files beside them; returns the bundle's file name.
 */
function copyExecutable(dir: string, cache: boolean): string {
  const cli = join(ROOT, 'dist', 'cli');
  const bundle = readdirSync(cli).find((name) => /^overlay-\w+\.cjs$/.test(name))!;
  for (const name of ['overlay.cjs', bundle, ...(cache ? [`${bundle}.cache`] : [])]) copyFileSync(join(cli, name), join(dir, name));
  return bundle;
}

describe('the CLI bundle', { timeout: TEST_TIMEOUT }, () => {
  it('makes no Intl.Segmenter to start, and still lays out --help with one', () => {
    expect(segmentersMade(['--version']).made).toBe(0);
    const help = segmentersMade(['--help']);
    expect(help.made).toBeGreaterThan(0);
    expect(help.stdout).toMatch(/^ {2}overlay analyze <target> +What each layer adds/m);
  });

  it('compiles from the code cache the build made; without one, or with one V8 refuses, it runs the same', () => {
    const run = (bin: string, args: string[] = ['--version']) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'overlay' } });
    const built = run(BIN);
    expect(built.status).toBe(0);
    expect(built.stderr).toMatch(/code cache used/);
    // The old path of the executable runs the same program.
    expect(spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), '--version'], { encoding: 'utf8' }).stdout).toBe(built.stdout);

    const dir = tempDir();
    const bundle = copyExecutable(dir, false);
    const absent = run(join(dir, 'overlay.cjs'));
    expect(absent.stderr).toMatch(/code cache absent/);
    expect(absent.stdout).toBe(built.stdout);
    writeFileSync(join(dir, `${bundle}.cache`), new Uint8Array(4096).fill(7));
    const refused = run(join(dir, 'overlay.cjs'));
    expect(refused.stderr).toMatch(/code cache rejected/);
    expect(refused.stdout).toBe(built.stdout);
  });

  it("keeps each verb's own code cache from its first successful run, and makes it again when V8 refuses it", () => {
    const dir = tempDir();
    const bundle = copyExecutable(dir, true);
    const store = join(dir, 'store');
    const run = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'overlay.cjs'), ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'overlay' } });
    const own = join(dir, `${bundle}.images.cache`);

    // A failed run writes none: what it compiled is not what the verb runs.
    expect(run('images', '--no-such-option').status).not.toBe(0);
    expect(existsSync(own)).toBe(false);
    // The first run starts from the shared cache (the build's) and leaves the verb's own...
    const first = run('--store', store, 'images');
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/code cache used \(shared\)/);
    expect(existsSync(own)).toBe(true);
    // ...which the next runs use, the verb found after the global options as run.ts finds it.
    const second = run('--store', store, '--json', 'images');
    expect(second.stderr).toMatch(/code cache used \(images\)/);
    expect(second.stdout).toBe(run('--store', store, '--json', 'images').stdout);
    const written = statSync(own).mtimeMs;
    // One V8 refuses is made again.
    writeFileSync(own, new Uint8Array(4096).fill(7));
    const refused = run('--store', store, 'images');
    expect(refused.status).toBe(0);
    expect(refused.stderr).toMatch(/code cache rejected \(images\)/);
    expect(run('--store', store, 'images').stderr).toMatch(/code cache used \(images\)/);
    expect(statSync(own).mtimeMs).toBeGreaterThanOrEqual(written);
    // No temporary file is left beside them.
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it("runs from the shared cache, and leaves nothing behind, where the user may not write the verb's own", () => {
    // Root may write anywhere, so this runs as nobody; .ci/run runs as root.
    expect(process.getuid?.()).toBe(0);
    // Under /tmp itself: the test run's own temporary root is closed to other users.
    const dir = mkdtempSync('/tmp/overlay-readonly-bin-');
    try {
      const bundle = copyExecutable(dir, true);
      const store = join(dir, 'store');
      mkdirSync(store, { mode: 0o777 });
      chmodSync(store, 0o777);
      chmodSync(dir, 0o755);
      const run = () => spawnSync(process.execPath, [join(dir, 'overlay.cjs'), '--store', store, 'images'], { encoding: 'utf8', uid: 65534, gid: 65534, env: { PATH: process.env['PATH'], HOME: store, NODE_DEBUG: 'overlay' } });
      for (let i = 0; i < 2; i++) {
        const r = run();
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/code cache used \(shared\)/);
      }
      expect(readdirSync(dir).sort()).toEqual(['overlay.cjs', bundle, `${bundle}.cache`, 'store'].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads none of crypto, zlib, https, fs/promises and assert for a command that needs none', () => {
    const store = join(tempDir(), 'store');
    // A store made first: making one names its temporary files with crypto's random bytes.
    expect(spawnSync(process.execPath, [BIN, '--store', store, 'images']).status).toBe(0);
    for (const args of [['--version'], ['--store', store, 'images']]) {
      const r = spawnSync(process.execPath, ['-r', modules, BIN, ...args], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const loaded = (/modules: (.*)/.exec(r.stderr)?.[1] ?? '').split(',');
      expect(loaded).toContain('NativeModule vm');
      for (const name of ['crypto', 'zlib', 'https', 'tls', 'fs/promises', 'assert']) expect(loaded, `${args.join(' ')} loads ${name}`).not.toContain(`NativeModule ${name}`);
    }
  });
});

/** What a run of the CLI printed, run without blocking this process (which serves its https). */
function runAsync(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout, stderr }));
  });
}

describe('NODE_EXTRA_CA_CERTS', { timeout: TEST_TIMEOUT }, () => {
  // A registry on https with a self-signed certificate for 127.0.0.1 (test/e2e/tls, valid to 2126),
  // trusted only through NODE_EXTRA_CA_CERTS. It has no images: a pull that got through TLS ends
  // in the registry's MANIFEST_UNKNOWN, one that did not in a TLS failure.
  const tls = join(ROOT, 'test', 'e2e', 'tls');
  const cert = join(tls, 'cert.pem');

  it('is read at the first https connection when the executable runs as a command, and trusted as Node trusts it', async () => {
    const server = createServer({ key: readFileSync(join(tls, 'key.pem')), cert: readFileSync(cert) }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v2/') return res.end('{}');
      res.statusCode = 404;
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const ref = `127.0.0.1:${(server.address() as AddressInfo).port}/team/app:1`;
      const envPreload = join(tempDir(), 'print-env.cjs');
      writeFileSync(envPreload, "process.on('exit', () => process.stderr.write(`env: ${process.env.NODE_EXTRA_CA_CERTS}|${process.env.OVERLAY_DEFERRED_CA_CERTS}\\n`));\n");
      const base = { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, HOME: tempDir(), OVERLAY_STORE: join(tempDir(), 'store') };
      const pull = ['pull', ref];

      // As a command: the shell keeps the file from Node's start, the first https connection reads it.
      const command = await runAsync(BIN, pull, { ...base, NODE_EXTRA_CA_CERTS: cert, NODE_DEBUG: 'overlay', NODE_OPTIONS: `--require ${envPreload}` });
      expect(command.code).toBe(1);
      expect(command.stderr).toMatch(/NODE_EXTRA_CA_CERTS read at the first https connection, not at start/);
      expect(command.stderr).toMatch(/MANIFEST_UNKNOWN/);
      expect(command.stderr).not.toMatch(/TLS/);
      // Child processes see the variable as the user set it.
      expect(command.stderr).toContain(`env: ${cert}|undefined`);

      // Through node itself: Node reads the file at start, as it always did.
      const throughNode = await runAsync(process.execPath, [BIN, ...pull], { ...base, NODE_EXTRA_CA_CERTS: cert, NODE_DEBUG: 'overlay' });
      expect(throughNode.stderr).not.toMatch(/NODE_EXTRA_CA_CERTS read/);
      expect(throughNode.stderr).toMatch(/MANIFEST_UNKNOWN/);

      // Without it the certificate is not trusted.
      const without = await runAsync(BIN, pull, base);
      expect(without.code).toBe(1);
      expect(without.stderr).toMatch(/TLS failure/);

      // A file that cannot be read is skipped with Node's own warning, as Node skips it.
      const missing = await runAsync(BIN, pull, { ...base, NODE_EXTRA_CA_CERTS: join(tls, 'absent.pem') });
      expect(missing.stderr).toMatch(/Warning: Ignoring extra certs from `.*absent\.pem`, load failed/);
      expect(missing.stderr).toMatch(/TLS failure/);

      // Another CA store in NODE_OPTIONS: the shell leaves the variable to Node.
      const openssl = await runAsync(BIN, pull, { ...base, NODE_EXTRA_CA_CERTS: cert, NODE_DEBUG: 'overlay', NODE_OPTIONS: '--use-openssl-ca' });
      expect(openssl.stderr).not.toMatch(/NODE_EXTRA_CA_CERTS read/);
      expect(openssl.stderr).toMatch(/MANIFEST_UNKNOWN/);
    } finally {
      server.close();
    }
  });
});

describe('V8 tuned per verb', { timeout: TEST_TIMEOUT }, () => {
  // The young generation's size at exit, from a preload: it starts at 1 MiB a semi-space and
  // doubles as objects survive, unless the verb is tuned (scripts/cli-build.mjs TUNED_VERBS).
  it.runIf(/^11\.3\./.test(process.versions.v8))("holds the young generation at its first size for a verb that reads, not for others or where the user sets V8's own; the verb's cache still fits", () => {
    const probe = join(tempDir(), 'new-space.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`new space: ${require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size}\\n`));\n");
    const dir = tempDir();
    copyExecutable(dir, true);
    const store = join(dir, 'store');
    const run = (nodeArgs: string[], ...args: string[]) => {
      const r = spawnSync(process.execPath, [...nodeArgs, '--require', probe, join(dir, 'overlay.cjs'), '--store', store, ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'overlay' } });
      return { ...r, newSpace: Number(/new space: (\d+)/.exec(r.stderr)?.[1]) };
    };
    // A verb that writes keeps V8's defaults.
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'etc'), { recursive: true });
    writeFileSync(join(tree, 'etc', 'hostname'), 'box\n');
    const writer = run([], 'import', tree, 'tiny:1');
    expect(writer.status, writer.stderr).toBe(0);
    expect(writer.stderr).not.toMatch(/V8 tuned/);
    const tuned = run([], 'ls', 'tiny:1', '/etc');
    expect(tuned.status, tuned.stderr).toBe(0);
    expect(tuned.stdout).toBe('hostname\n');
    expect(tuned.stderr).toContain('V8 tuned for ls (--no-turbo-inlining --no-use-osr --semi-space-growth-factor=1 --no-parallel-scavenge)');
    // The cache it wrote was made under V8's own flags, so the next run takes it.
    const again = run([], 'ls', 'tiny:1', '/etc');
    expect(again.stderr).toMatch(/code cache used \(ls\)/);
    expect(again.stdout).toBe(tuned.stdout);
    // A setting of the user's (here V8's default, so the cache still fits) leaves V8 as it is.
    const theirs = run(['--parallel-scavenge'], 'ls', 'tiny:1', '/etc');
    expect(theirs.status).toBe(0);
    expect(theirs.stderr).not.toMatch(/V8 tuned/);
    expect(theirs.stderr).toMatch(/code cache used \(ls\)/);
    expect(theirs.stdout).toBe(tuned.stdout);
    expect(tuned.newSpace).toBe(2 * 1024 * 1024);
    expect(theirs.newSpace).toBeGreaterThan(tuned.newSpace);
    expect(writer.newSpace).toBeGreaterThan(tuned.newSpace);
    // One that reads only the store's documents is not worth it.
    expect(run([], 'images').stderr).not.toMatch(/V8 tuned/);
  });
});

describe('glibc malloc tunables', { timeout: TEST_TIMEOUT }, () => {
  // What the process started with (/proc/self/environ keeps the environment exec gave it, where
  // glibc parsing the tunables turned their colons into NULs) and what its child processes would
  // get (process.env at exit).
  const probe = (): string => {
    const file = join(tempDir(), 'print-tunables.cjs');
    writeFileSync(
      file,
      [
        "const raw = require('node:fs').readFileSync('/proc/self/environ', 'latin1');",
        "const at = raw.indexOf('GLIBC_TUNABLES=');",
        "const start = at < 0 ? 'none' : raw.slice(at).split(/\\0(?=[A-Z_]+=)/)[0].replaceAll('\\0', ':');",
        "process.on('exit', () => process.stderr.write(`tunables: ${start}|${process.env.GLIBC_TUNABLES}|${process.env.OVERLAY_OWN_GLIBC_TUNABLES}\\n`));",
      ].join('\n'),
    );
    return file;
  };

  it.runIf(process.platform === 'linux')('are set for the process the command starts, and only for it; a user’s own are kept', async () => {
    const file = probe();
    const base = { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, HOME: tempDir(), NODE_OPTIONS: `--require ${file}`, NODE_DEBUG: 'overlay' };
    const command = await runAsync(BIN, ['--version'], base);
    expect(command.code).toBe(0);
    const seen = /tunables: (.*)\|(.*)\|(.*)/.exec(command.stderr);
    expect(seen?.[1]).toBe(
      'GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864:glibc.malloc.hugetlb=1',
    );
    expect(seen?.slice(2)).toEqual(['undefined', 'undefined']);
    expect(command.stderr).toMatch(/malloc tuned for this process/);

    const own = await runAsync(BIN, ['--version'], { ...base, GLIBC_TUNABLES: 'glibc.malloc.check=0' });
    expect(own.code).toBe(0);
    expect(own.stderr).toContain('tunables: GLIBC_TUNABLES=glibc.malloc.check=0|glibc.malloc.check=0|undefined');
    expect(own.stderr).not.toMatch(/malloc tuned/);

    // Set but empty is the user's choice too.
    const empty = await runAsync(BIN, ['--version'], { ...base, GLIBC_TUNABLES: '' });
    expect(empty.stderr).toContain('tunables: GLIBC_TUNABLES=||undefined');
  });
});
