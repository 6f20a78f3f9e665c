/**
 * The CLI bundle (scripts/cli-build.mjs) starts with as little as it can: V8's code cache for
 * the bundle, none of Node's modules that only some commands need, and nothing that only
 * `--help` needs (string-width's `Intl.Segmenter` and Unicode-set regular expressions are made
 * on first use: about 40 ms of CPU at every start). Preloads count the segmenters made and list
 * the modules Node loaded.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
    const cli = join(ROOT, 'dist', 'cli');
    const bundle = readdirSync(cli).find((name) => /^overlay-\w+\.cjs$/.test(name))!;
    copyFileSync(join(cli, 'overlay.cjs'), join(dir, 'overlay.cjs'));
    copyFileSync(join(cli, bundle), join(dir, bundle));
    const absent = run(join(dir, 'overlay.cjs'));
    expect(absent.stderr).toMatch(/code cache absent/);
    expect(absent.stdout).toBe(built.stdout);
    writeFileSync(join(dir, `${bundle}.cache`), new Uint8Array(4096).fill(7));
    const refused = run(join(dir, 'overlay.cjs'));
    expect(refused.stderr).toMatch(/code cache rejected/);
    expect(refused.stdout).toBe(built.stdout);
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
