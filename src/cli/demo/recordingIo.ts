import { concatBytes } from '../../layer/index.js';
import type { Io, Output } from '../io.js';

/** An `Io` that keeps what a command writes, for `overlay demo` to print under its command line. */
export interface RecordingIo {
  io: Io;
  stdout(): string;
  stderr(): string;
}

export interface RecordingIoOptions {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** What the command reads on stdin; without it stdin is a terminal, so a command that wants data fails instead of waiting. */
  stdin?: string;
}

function recorder(): { output: Output; text(): string } {
  const chunks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  return {
    output: {
      write(chunk) {
        chunks.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice());
      },
      drain: () => Promise.resolve(),
      // Not a terminal: no progress bars, and tables at their default width.
      isTTY: false,
    },
    text: () => new TextDecoder().decode(concatBytes(chunks)),
  };
}

export function recordingIo(options: RecordingIoOptions): RecordingIo {
  const out = recorder();
  const err = recorder();
  const stdin = options.stdin;
  return {
    io: {
      stdout: out.output,
      stderr: err.output,
      stdinIsTTY: stdin === undefined,
      readStdin: () => Promise.resolve(new TextEncoder().encode(stdin ?? '')),
      env: options.env,
      cwd: options.cwd,
    },
    stdout: out.text,
    stderr: err.text,
  };
}
