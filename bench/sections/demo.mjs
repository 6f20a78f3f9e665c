// Section 5: `overlay demo` end to end (the README's main job), against a bare Node start-up.
// It runs the bin of ../dist (not BENCH_DIST's build), as a child process.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { QUICK } from '../lib/config.mjs';
import { section, table } from '../lib/report.mjs';
import { median } from '../lib/timing.mjs';

/** Wall time of `overlay demo` (a temporary store, offline) against `node -e 0`, a few times each. */
export function runDemo() {
  section('5. overlay demo, end to end (wall time, vs a bare Node start-up)');
  const cli = fileURLToPath(new URL('../../dist/cli/overlay.cjs', import.meta.url));
  const timeRun = (args) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    return performance.now() - t0;
  };
  const reps = QUICK ? 2 : 5;
  const node = [];
  const demo = [];
  for (let i = 0; i < reps; i++) {
    node.push(timeRun(['-e', '0']));
    demo.push(timeRun([cli, 'demo']));
  }
  const out = { demoMs: median(demo), nodeMs: median(node) };
  out.ratio = out.demoMs / out.nodeMs;
  table(
    ['what', 'wall (median)', 'vs node -e 0'],
    [
      ['node -e 0', `${out.nodeMs.toFixed(0)} ms`, '1.0x'],
      ['overlay demo', `${out.demoMs.toFixed(0)} ms`, `${out.ratio.toFixed(1)}x`],
    ],
  );
  return out;
}

/** The summary's row for section 5 (information: the goal is "in seconds"). */
export function demoTargets(demo, targets) {
  targets.add('overlay demo, wall time (no target: "in seconds")', '-', demo.demoMs, true, `${(demo.demoMs / 1000).toFixed(2)} s = ${demo.ratio.toFixed(1)}x node -e 0`);
}
