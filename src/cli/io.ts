import { promptLine } from './prompt.js';

/** What a command may touch of the process: output streams, stdin, environment, directory. */
export interface Output {
  write(chunk: string | Uint8Array): void;
  /** Resolves once written data has been handed to the OS (backpressure for big outputs). */
  drain(): Promise<void>;
  isTTY: boolean;
  columns?: number;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  readStdin(): Promise<Uint8Array>;
  /** Stdin as it arrives, for inputs bigger than memory (an archive); else `readStdin` is used. */
  stdinChunks?(): AsyncIterable<Uint8Array>;
  stdinIsTTY: boolean;
  /** Asks for a line at the terminal (echo off with `secret`); only where stdin is a terminal (prompt.ts). */
  prompt?(text: string, secret: boolean): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

function nodeOutput(stream: NodeJS.WriteStream): Output {
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // A closed pipe (`overlay cat … | head`) is not an error of ours.
    if (error.code === 'EPIPE') broken = true;
    else throw error;
  });
  const out: Output = {
    write(chunk) {
      if (!broken) stream.write(chunk);
    },
    drain() {
      if (broken || !stream.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          stream.off('drain', done);
          stream.off('error', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
        stream.on('close', done);
      });
    },
    isTTY: stream.isTTY === true,
  };
  if (stream.isTTY === true) Object.defineProperty(out, 'columns', { get: () => stream.columns });
  return out;
}

export function nodeIo(): Io {
  const prompt = (text: string, secret: boolean): Promise<string> => promptLine(process.stdin, process.stderr, text, secret, () => process.kill(process.pid, 'SIGINT'));
  return {
    stdout: nodeOutput(process.stdout),
    stderr: nodeOutput(process.stderr),
    // Asked when a command asks: the first touch of process.stdin opens a stream on it
    // (milliseconds at every start), and most commands never read it.
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    get prompt() {
      return process.stdin.isTTY === true ? prompt : undefined;
    },
    async *stdinChunks() {
      for await (const chunk of process.stdin) {
        const buffer = chunk as Buffer;
        yield new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
      }
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      const all = Buffer.concat(chunks);
      return new Uint8Array(all.buffer, all.byteOffset, all.length);
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
