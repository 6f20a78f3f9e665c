// Timing: CPU-time clocks, medians, per-round ratios, the interleaved loop runner, gc, the PRNG.

import { ROUNDS, ROUND_MS } from './config.mjs';

/** A full gc, twice: run before every memory reading. */
export const gc = () => {
  globalThis.gc();
  globalThis.gc();
};

/**
 * Where timed loops put their results, so the optimizer cannot drop the work; results.json
 * records its last digit.
 */
export const sink = { total: 0 };

/** Deterministic PRNG (mulberry32): the same stack every run. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Process CPU time (user + system) in ns. Rounds are timed with it rather than the wall clock:
 * on a shared machine another process taking the CPU stops this clock too, so ratios measured
 * in one run stay meaningful. Wall-clock figures are kept in results.json as well.
 */
export function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median over rounds of a/b measured in the same round: steadier than a ratio of medians. */
export function ratio(a, b) {
  return median(a.samples.map((x, i) => x / b.samples[i]));
}

// Each (implementation, operation) pair gets its own compiled loop (new Function), so call
// sites stay monomorphic and no implementation pays for another's feedback.
const NO_THROW = Object.freeze({ throwIfNoEntry: false });
const makeLoop = (body) =>
  new Function('fs', 'paths', 'n', 'opts', `let sink = 0; for (let i = 0; i < n; i++) for (let j = 0; j < paths.length; j++) { ${body} } return sink;`);

/**
 * Times each op of `ops` ({ list: key of `paths`, body: loop body over `fs` and `paths[j]` }) on
 * every `[name, fs]` of `impls`: calibrated to ROUND_MS a round, ROUNDS rounds, the order rotated
 * each round. Per implementation: CPU ns per call (median, min, max, every sample) and wall ns.
 */
export function benchInterleaved(impls, paths, ops) {
  const results = {};
  for (const [opName, op] of Object.entries(ops)) {
    const list = paths[op.list];
    const runners = impls.map(([name, fs]) => {
      const loop = makeLoop(op.body);
      // Calibrate (this also warms up): iterations so that one round takes ROUND_MS.
      let n = 1;
      for (;;) {
        const t0 = performance.now();
        sink.total += loop(fs, list, n, NO_THROW);
        const dt = performance.now() - t0;
        if (dt > ROUND_MS / 4) {
          n = Math.max(1, Math.ceil((n * ROUND_MS) / dt));
          break;
        }
        n *= 2;
      }
      sink.total += loop(fs, list, n, NO_THROW);
      return { name, fs, loop, n, samples: [], wall: [] };
    });
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order each round so no implementation always runs first or last.
      for (let k = 0; k < runners.length; k++) {
        const x = runners[(r + k) % runners.length];
        const c0 = cpuNs();
        const t0 = process.hrtime.bigint();
        sink.total += x.loop(x.fs, list, x.n, NO_THROW);
        const wall = Number(process.hrtime.bigint() - t0);
        x.samples.push((cpuNs() - c0) / (x.n * list.length));
        x.wall.push(wall / (x.n * list.length));
      }
    }
    results[opName] = Object.fromEntries(
      runners.map((x) => [
        x.name,
        {
          nsPerOp: median(x.samples),
          min: Math.min(...x.samples),
          max: Math.max(...x.samples),
          wallNsPerOp: median(x.wall),
          paths: list.length,
          samples: x.samples,
        },
      ]),
    );
  }
  return results;
}
