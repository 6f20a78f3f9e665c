#!/usr/bin/env node
/** The `overlay` executable. */
import { releaseOpenStores } from './context.js';
import { nodeIo } from './io.js';
import { run } from './run.js';

// A store's lock must not outlive the process: released on every exit, and Ctrl-C and kill
// become ordinary exits.
process.on('exit', releaseOpenStores);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    releaseOpenStores();
    process.exit(code);
  });
}

const code = await run(process.argv.slice(2), nodeIo());
process.exitCode = code;
