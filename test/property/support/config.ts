import type { Parameters } from 'fast-check';

/**
 * fast-check parameters for one property: `numRuns` as given, unless the `NUM_RUNS`
 * environment variable sets it for every property (test/setup.ts configures it globally, and a
 * local `numRuns` would override that).
 */
export function runs<T>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  return process.env['NUM_RUNS'] !== undefined ? extra : { numRuns, ...extra };
}

/** The seed of this run, for describe titles: `SEED=<n>` replays it (test/setup.ts). */
export function seedLabel(): string {
  return `seed=${String((globalThis as { __overlaySeed?: number }).__overlaySeed)}`;
}
