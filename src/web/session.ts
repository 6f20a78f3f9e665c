/**
 * The page's CLI: command lines run through the CLI's own entry point (src/cli/run.ts) with an
 * `Io` that records what they print (src/cli/demo/recordingIo.ts, as `overlay demo` does), on
 * the page's store. The clock and platform are fixed as in `overlay demo`, so the page prints
 * the digests the CLI prints for the same commands.
 */
import { DEMO_EPOCH, DEMO_PLATFORM, recordingIo, run } from '../cli/index.js';
import { DiskStore } from './host/index.js';
import { CWD } from './host/node.js';

/** Where the page's commands find their store (OVERLAY_STORE). */
export const STORE_DIR = '/home/learner/.overlay';

/** The environment of the page's commands: the store, and `overlay demo`'s clock and platform. */
export function sessionEnv(storeDir: string): Readonly<Record<string, string>> {
  return { OVERLAY_STORE: storeDir, SOURCE_DATE_EPOCH: String(DEMO_EPOCH), OVERLAY_PLATFORM: DEMO_PLATFORM };
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

/** The page's store, opened for reading what the views draw. */
export function openStore(storeDir: string = STORE_DIR): Promise<DiskStore> {
  return DiskStore.open(storeDir, { clock: () => DEMO_EPOCH * 1000, platform: { os: 'linux', architecture: 'amd64' } });
}
