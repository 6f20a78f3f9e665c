// Output: number formats, tables, section headers, the run's header line, the targets table and
// results.json.

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

import { DIST_LABEL, MiB, ONLY, QUICK, ROUNDS, ROUND_MS } from './config.mjs';
import { sink } from './timing.mjs';

export const fmtNs = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
export const fmtBytes = (b) => (Math.abs(b) >= MiB ? `${(b / MiB).toFixed(2)} MiB` : Math.abs(b) >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
export const fmtX = (x) => `${x.toFixed(3)}x`;

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export function section(title) {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 74 - title.length))}`);
}

/** The machine and the settings, recorded as results.json's `env`. `sha256` names the hasher in use. */
export function runEnv(sha256) {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    memfs: JSON.parse(readFileSync(new URL('../../node_modules/memfs/package.json', import.meta.url), 'utf8')).version,
    sha256,
    dist: DIST_LABEL,
    only: [...ONLY].join(','),
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    loadAverageAtStart: loadavg()[0],
    extraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
  };
}

/** The first lines of the output: what runs where, and a warning when the machine is busy. */
export function printHeader(env) {
  console.log(
    `overlay bench — node ${env.node}, ${env.cpu} (${env.cpus} cpus), memfs ${env.memfs}, hasher ${env.sha256}` +
      `${env.dist !== 'dist' ? `, BENCH_DIST=${env.dist}` : ''}${process.env.BENCH_ONLY ? `, BENCH_ONLY=${env.only}` : ''}${QUICK ? ', QUICK' : ''}`,
  );
  if (env.loadAverageAtStart > env.cpus * 0.5) {
    console.log(`note: load average ${env.loadAverageAtStart.toFixed(1)} on ${env.cpus} cpus before starting: other work shares the machine, figures will be noisy`);
  }
  // Node 20 reads and parses this bundle at every start, before any script runs (about 40 ms
  // for Debian's 140 certificates here). The overlay executable, run as a command as the benches
  // run it, keeps it from Node's start and reads it at its first https connection
  // (scripts/cli-build.mjs); `node -e 0`, the demo's peer, still pays it.
  if (env.extraCaCerts !== null) {
    console.log(`note: NODE_EXTRA_CA_CERTS=${env.extraCaCerts}: read by overlay at its first https connection, by a bare node at its start (README, registry "Speed")`);
  }
}

/** The summary's rows: a goal of '-' is information, not graded. */
export class Targets {
  list = [];

  add(name, goal, measured, pass, shown) {
    this.list.push({ name, goal, measured, pass, shown });
  }

  print() {
    table(['target', 'goal', 'measured', 'status'], this.list.map((t) => [t.name, t.goal, t.shown, t.goal === '-' ? 'info' : t.pass ? 'PASS' : 'MISS']));
  }
}

/**
 * Completes `results` (targets, run time, load average, sink), prints the count of targets met and
 * writes it to `file` as JSON. `started` is the performance.now() the run is measured from.
 */
export function writeResults(results, targets, started, file) {
  const graded = targets.list.filter((t) => t.goal !== '-');
  const missed = graded.filter((t) => !t.pass);
  results.targets = targets.list.map(({ name, goal, measured, pass }) => ({ name, goal, measured, pass: goal === '-' ? null : pass }));
  results.seconds = (performance.now() - started) / 1000;
  results.loadAverageAtEnd = loadavg()[0];
  results.sink = sink.total % 10;
  console.log(
    `\n${graded.length - missed.length}/${graded.length} targets met; ran in ${results.seconds.toFixed(1)} s` +
      `${missed.length ? ' (benchmarks report, they do not gate: exit 0)' : ''}`,
  );
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log('results written to bench/results.json');
}
