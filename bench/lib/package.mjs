// The package under test, through its public entry point only: ../dist, or BENCH_DIST's build.
// Import this only after requireExposedGc (bench/lib/config.mjs) has run.

import { DIST_ENTRY } from './config.mjs';

export const { Overlay, Layer, defaultSha256, sha256Digest } = await import(DIST_ENTRY);
