/**
 * The shell against the real thing: small generated scripts (echo, quotes, expansions, &&, ||,
 * ;, |, exit codes) give the same stdout and exit code here as under dash, run in an empty
 * temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Overlay } from '../../../src/index.js';
import { runShell } from '../../../src/shell/index.js';

const DASH = ['/usr/bin/dash', '/bin/dash'].find((p) => existsSync(p));
const ENV = { V: 'two  words', E: '' };

function dash(script: string, cwd: string): { stdout: string; exitCode: number } {
  try {
    return { stdout: execFileSync(DASH!, ['-c', script], { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), exitCode: 0 };
  } catch (err) {
    const e = err as { stdout: string; status: number };
    return { stdout: e.stdout, exitCode: e.status };
  }
}

const text = fc.stringMatching(/^[a-z0-9 .,:=-]{0,6}$/);
const word = fc.oneof(
  fc.stringMatching(/^[a-z0-9.,:=-]{1,6}$/),
  text.map((t) => `'${t}'`),
  text.map((t) => `"${t}"`),
  fc.constantFrom('$V', '"$V"', '${V}x', '${E:-dflt}', '"${U-unset}"', '${V:+alt}', "'a\\tb'", 'a\\ b', '\\"', '"$?"', '$E', '""', "'$V'", '${#V}'),
);
const simple = fc.oneof(
  fc.array(word, { minLength: 0, maxLength: 4 }).map((ws) => ['echo', ...ws].join(' ')),
  fc.constantFrom('true', 'false', 'echo -n x', 'test a = a', '[ "$V" = x ]', 'printf "%s|" a b'),
);
const pipeline = fc.array(simple, { minLength: 1, maxLength: 2 }).map((cs) => cs.join(' | '));
const script = fc.tuple(pipeline, fc.array(fc.tuple(fc.constantFrom('&&', '||', ';'), pipeline), { maxLength: 3 })).map(([first, rest]) => [first, ...rest.flatMap(([op, p]) => [op, p])].join(' '));

describe.skipIf(DASH === undefined)('shell agrees with dash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shell-dash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on stdout and exit code of generated scripts', async () => {
    await fc.assert(
      fc.asyncProperty(script, async (s) => {
        const ours = await runShell(s, { fs: new Overlay().fs, env: ENV });
        expect({ stdout: ours.stdout, exitCode: ours.exitCode }).toEqual(dash(s, dir));
      }),
      process.env['NUM_RUNS'] === undefined ? { numRuns: 80 } : {},
    );
  });
});
