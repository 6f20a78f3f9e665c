import { execFileSync } from 'node:child_process';
import fc from 'fast-check';

/**
 * The fast-check seed of this run. `SEED=<n>` replays a printed one. Under CI the seed comes
 * from the code and tests being tested (the git trees of src/ and test/), so a commit always
 * meets the same cases, a commit that changes only documentation meets the same cases as its
 * parent, and the run a developer makes of a fresh clone before pushing is the run CI makes;
 * elsewhere each run draws a new seed and keeps exploring.
 */
function chooseSeed(): number {
  if (process.env['SEED'] !== undefined) return Number(process.env['SEED']);
  if (process.env['CI'] === 'true') {
    const trees = gitTrees();
    if (trees !== undefined) return Number.parseInt(trees.slice(0, 8), 16) ^ Number.parseInt(trees.slice(41, 49), 16) | 0;
  }
  return Date.now() ^ (Math.random() * 0x100000000);
}

/** The object names of HEAD's src/ and test/ trees, one per line. */
function gitTrees(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD:src', 'HEAD:test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

const seed = chooseSeed();
fc.configureGlobal({ seed, ...(process.env['NUM_RUNS'] ? { numRuns: Number(process.env['NUM_RUNS']) } : {}) });
(globalThis as { __overlaySeed?: number }).__overlaySeed = seed;
