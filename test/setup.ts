import fc from 'fast-check';

// Replayable property runs: SEED=<n> npm test reproduces a CI failure locally.
const seed = process.env['SEED'] !== undefined ? Number(process.env['SEED']) : Date.now() ^ (Math.random() * 0x100000000);
fc.configureGlobal({ seed, ...(process.env['NUM_RUNS'] ? { numRuns: Number(process.env['NUM_RUNS']) } : {}) });
(globalThis as { __overlaySeed?: number }).__overlaySeed = seed;
