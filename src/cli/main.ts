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

// Once the event loop has nothing left to do, exit there: Node would otherwise free the heap
// first, a page at a time (2-3 ms of every command on this project's machines, README
// "Start-up"). Nothing is cut short: 'beforeExit' comes only when no work is pending, and the
// 'exit' handlers (the store's lock, a verb's code cache) still run.
process.once('beforeExit', () => process.exit());

// No top-level await: the executable is a CommonJS bundle (scripts/cli-build.mjs).
void run(process.argv.slice(2), nodeIo()).then((code) => {
  process.exitCode = code;
});
