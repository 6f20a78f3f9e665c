import { execFileSync } from 'node:child_process';
import fc from 'fast-check';

/**
 * The fast-check seed of this run. `SEED=<n>` replays a printed one. Under CI the seed comes
 * from the commit being tested, so a commit always meets the same cases and the run a developer
 * makes of a fresh clone before pushing is the run CI makes; elsewhere each run draws a new seed
 * and keeps exploring.
 */
function chooseSeed(): number {
  if (process.env['SEED'] !== undefined) return Number(process.env['SEED']);
  if (process.env['CI'] === 'true') {
    const head = gitHead();
    if (head !== undefined) return Number.parseInt(head.slice(0, 8), 16) | 0;
  }
  return Date.now() ^ (Math.random() * 0x100000000);
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const seed = chooseSeed();
fc.configureGlobal({ seed, ...(process.env['NUM_RUNS'] ? { numRuns: Number(process.env['NUM_RUNS']) } : {}) });
(globalThis as { __overlaySeed?: number }).__overlaySeed = seed;
