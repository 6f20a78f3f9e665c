/**
 * The CLI bundle (scripts/cli-build.mjs) starts without what only `--help` needs: string-width's
 * `Intl.Segmenter` and Unicode-set regular expressions are made on first use, not when the
 * module loads (about 40 ms of CPU at every start). A preload counts the segmenters made.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, tempDir } from './helpers.js';

let preload: string;

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
});
