/**
 * The page's CLI: command lines run through the CLI's own entry point (src/cli/run.ts) with an
 * `Io` that records what they print (src/cli/demo/recordingIo.ts, as `overlay demo` does), on
 * the page's store. The clock and platform are fixed as in `overlay demo`, so the page prints
 * the digests the CLI prints for the same commands. The page loads this module (and with it
 * the CLI's commands) after its first render: see ./main.ts.
 */
import { describeLayer, explainPath, type View } from '../app/index.js';
import { DEMO_EPOCH, DEMO_PLATFORM, OS_TAR, demoOsTar, recordingIo, renderExplanation, run, shellQuote } from '../cli/index.js';
import { CWD } from './host/node.js';
import { putHostFile } from './host/stores.js';
import { STORE_DIR } from './pageStore.js';

export { shellQuote };

/** The environment of the page's commands: the store, and `overlay demo`'s clock and platform. */
export function sessionEnv(storeDir: string): Readonly<Record<string, string>> {
  return { OVERLAY_STORE: storeDir, SOURCE_DATE_EPOCH: String(DEMO_EPOCH), OVERLAY_PLATFORM: DEMO_PLATFORM };
}

/** The demo's OS tar, on the page's host for `import demo-os.tar` (made when first read). */
putHostFile(`${CWD}/${OS_TAR}`, () => demoOsTar(DEMO_EPOCH * 1000));

/** `overlay explain`'s text for a path of a view, as the CLI renders it. */
export function explainText(view: View, path: string): string {
  return renderExplanation(explainPath(view, path), (ref) => describeLayer(view, ref));
}

export interface CommandResult {
  argv: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunInput {
  /** The store the command works on (default: the page's own, kept in IndexedDB). */
  storeDir?: string;
  /** Bytes on stdin (a dropped archive for `load`). */
  stdin?: Uint8Array;
}

export async function runCommand(argv: readonly string[], input: RunInput = {}): Promise<CommandResult> {
  const recording = recordingIo({ env: sessionEnv(input.storeDir ?? STORE_DIR), cwd: CWD });
  const io = recording.io;
  if (input.stdin !== undefined) {
    const bytes = input.stdin;
    io.stdinIsTTY = false;
    io.readStdin = () => Promise.resolve(bytes);
    io.stdinChunks = async function* () {
      yield bytes;
    };
  }
  const code = await run(argv, io);
  return { argv, code, stdout: recording.stdout(), stderr: recording.stderr() };
}
