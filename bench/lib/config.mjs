// The run's settings from the environment, and the re-exec that gives the process a real gc.
// Loads nothing of the package: bench/run.mjs imports it before deciding to re-execute itself.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** BENCH_QUICK=1: fewer rounds, a smoke run. */
export const QUICK = process.env.BENCH_QUICK === '1';
// Many short interleaved rounds: the median shrugs off a busy neighbour better than few long ones.
export const ROUNDS = QUICK ? 7 : 21;
export const ROUND_MS = QUICK ? 10 : 20;
// BENCH_ONLY=lookups,write,tar,demo,big picks sections (default: all but big). The big-image
// section takes minutes, so it runs only when named there or with BENCH_BIG=1.
export const ONLY = new Set(
  (process.env.BENCH_ONLY ?? `lookups,write,tar,demo,web${process.env.BENCH_BIG === '1' ? ',big' : ''}`).split(',').map((s) => s.trim()),
);
/** What results.json records as the build under test: BENCH_DIST as given, or `dist`. */
export const DIST_LABEL = process.env.BENCH_DIST ?? 'dist';
// BENCH_DIST=<dir> times another build of the package (A/B of an engine change); default ../dist.
export const DIST_ENTRY = process.env.BENCH_DIST
  ? pathToFileURL(resolve(process.env.BENCH_DIST, 'index.js')).href
  : new URL('../../dist/index.js', import.meta.url).href;

export const MiB = 1024 * 1024;

/**
 * Re-executes the entry script under `--expose-gc` when the process lacks it, and exits with the
 * child's status. Memory figures need a real gc between measurements.
 */
export function requireExposedGc(entryUrl) {
  if (typeof globalThis.gc === 'function') return;
  const self = fileURLToPath(entryUrl);
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
