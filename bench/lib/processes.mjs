// Whole processes, timed: wall time (measured here) and peak RSS (GNU time's %M, which covers the
// process and every descendant it waited for), each bounded by coreutils `timeout` so that a
// regression cannot hang the bench. Used by the big-image section (bench/sections/bigImage.mjs).

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { median } from './timing.mjs';

/** Seconds a single command may take before it is killed (BENCH_BIG_TIMEOUT, default 300). */
export const TIMEOUT_S = Number(process.env.BENCH_BIG_TIMEOUT ?? 300);

/** Whether `cmd` is on the PATH. */
export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `argv` (stdout discarded, stderr kept) under /usr/bin/time and `timeout`, in `cwd`.
 * Returns { ms, rssKiB, ok, timedOut, stderr }. Throws when the command fails and `mustSucceed`.
 */
export function timed(argv, { cwd, scratch, env = process.env, mustSucceed = true, stdout = 'ignore' } = {}) {
  const timeFile = join(scratch, `time-${process.pid}.txt`);
  rmSync(timeFile, { force: true });
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M', 'timeout', '-k', '5', String(TIMEOUT_S), ...argv], {
    cwd,
    env,
    stdio: ['ignore', stdout, 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  let rssKiB = NaN;
  try {
    // GNU time writes "Command exited with non-zero status N" first when the command fails.
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    rssKiB = Number(lines.at(-1).split(' ')[1]);
  } catch {
    // no figure: reported as NaN
  }
  const timedOut = r.status === 124 || r.status === 137;
  const ok = r.status === 0;
  const stderr = String(r.stderr ?? '').trim();
  if (!ok && mustSucceed) {
    throw new Error(`${timedOut ? `timed out after ${TIMEOUT_S} s` : `exit ${r.status}`}: ${argv.join(' ')}\n${stderr.slice(0, 2000)}`);
  }
  return { ms, rssKiB, ok, timedOut, stderr, stdout: r.stdout };
}

/**
 * `env` with this Node first on PATH. The overlay executable runs as a user runs it, as a command
 * (argv `[cli, ...]`): its shell line starts the `node` on PATH, which must be the one measuring.
 */
export function withThisNode(env) {
  return { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` };
}

/** Runs `argv` without timing it (setup steps), bounded by the same timeout; throws on failure. */
export function run(argv, opts = {}) {
  const r = spawnSync('timeout', ['-k', '5', String(TIMEOUT_S), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${argv.join(' ')}\n${String(r.stderr).slice(0, 2000)}`);
  return String(r.stdout);
}

/**
 * Median figures of samples [{ ms, rssKiB }]: { ms, rssMiB, msAll, rssAll }. Peak RSS is the
 * largest of the samples (a target on memory holds for every run, not the typical one).
 */
export function summarize(samples) {
  return {
    ms: median(samples.map((s) => s.ms)),
    rssMiB: Math.max(...samples.map((s) => s.rssKiB)) / 1024,
    msAll: samples.map((s) => Math.round(s.ms)),
    rssMiBAll: samples.map((s) => Math.round(s.rssKiB / 1024)),
  };
}
