import type { Io } from '../../../src/cli/io.js';
import { concatBytes } from '../../../src/layer/index.js';

export interface Captured {
  io: Io;
  stdout(): string;
  stderr(): string;
  stdoutBytes(): Uint8Array;
}

/** An Io that records what a command writes. */
export function captureIo(env: Record<string, string | undefined> = {}, stdin: Uint8Array = new Uint8Array(), cwd = process.cwd()): Captured {
  const out: Uint8Array[] = [];
  const err: string[] = [];
  const enc = new TextEncoder();
  const io: Io = {
    stdout: { write: (c) => void out.push(typeof c === 'string' ? enc.encode(c) : c.slice()), drain: async () => undefined, isTTY: false },
    stderr: { write: (c) => void err.push(typeof c === 'string' ? c : new TextDecoder().decode(c)), drain: async () => undefined, isTTY: false },
    readStdin: async () => stdin,
    stdinIsTTY: false,
    env,
    cwd,
  };
  const bytes = (): Uint8Array => concatBytes(out);
  return { io, stdout: () => new TextDecoder().decode(bytes()), stderr: () => err.join(''), stdoutBytes: bytes };
}
