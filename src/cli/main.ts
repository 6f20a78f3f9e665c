/** The `overlay` executable. */
import { abandonOpenStores, releaseOpenStores } from './context.js';
import { nodeIo } from './io.js';
import { run } from './run.js';

// A store's lock must not outlive the process: released on every exit. Ctrl-C and kill stop
// the command where it is and undo what it wrote since its last document (DiskStore.abandon),
// then exit 128 + the signal's number, as a shell reports it. The handler runs between two
// store calls: long work (gzip) runs off the main thread in chunks, so that comes soon.
process.on('exit', releaseOpenStores);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    abandonOpenStores();
    process.exit(code);
  });
}

// No top-level await: the executable is a CommonJS bundle (scripts/cli-build.mjs).
void run(process.argv.slice(2), nodeIo()).then((code) => {
  process.exitCode = code;
});
