/**
 * Files read and written as streams of chunks, for archives bigger than memory: positioned
 * reads of a range, a spooled copy of a stream, and an atomic write from chunks whose
 * temporary file goes away on an error and on Ctrl-C.
 */
import { readdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inPieces, namingPath, renameIntoPlace, tempHint, tempName } from './atomic.js';
import { nodeFsPromises } from './lazyModules.js';
import { processAlive } from './processInfo.js';

/** Bytes per positioned read: each chunk handed out is a fresh array of at most this size. */
export const READ_CHUNK = 1 << 20;

/** Temporary files of this process, removed when it exits (also by `process.exit` from a signal handler). */
const live = new Set<string>();
let hooked = false;

/** Removes `path` when the process exits, unless the returned function is called first. */
export function removeOnExit(path: string): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of live) rmSync(p, { force: true });
    });
  }
  live.add(path);
  return () => void live.delete(path);
}

/** `length` bytes at `position` of an open file (fewer only at its end), by `pread(2)`. */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/** Fills `buffer` from `position` of an open file (less only at its end); returns the bytes read. */
export function readInto(fd: number, buffer: Uint8Array, position: number): number {
  let done = 0;
  while (done < buffer.length) {
    const n = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** `size` bytes at `offset` of the file at `path`, by positioned reads. */
export async function* fileChunks(path: string, offset: number, size: number, what: string): AsyncGenerator<Uint8Array> {
  const file = await nodeFsPromises().open(path, 'r');
  try {
    for (let pos = 0; pos < size; ) {
      const want = Math.min(READ_CHUNK, size - pos);
      const buffer = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await file.read(buffer, got, want - got, offset + pos + got);
        if (bytesRead === 0) throw new Error(`${what}: the file ended ${size - pos - got} bytes early`);
        got += bytesRead;
      }
      yield buffer;
      pos += want;
    }
  } finally {
    await file.close();
  }
}

export interface SpoolOptions {
  mode?: number;
  /** Flush the file to disk before closing it. */
  sync?: boolean;
  onPiece?: (bytes: number) => void;
}

/** Writes `chunks` to the new file `path` (which must not exist); returns its size. */
export async function spool(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, path: string, options: SpoolOptions = {}): Promise<number> {
  const file = await nodeFsPromises().open(path, 'wx', options.mode ?? 0o600);
  let size = 0;
  try {
    for await (const piece of inPieces(chunks)) {
      for (let pos = 0; pos < piece.length; ) pos += (await file.write(piece, pos, piece.length - pos)).bytesWritten;
      size += piece.length;
      options.onPiece?.(piece.length);
    }
    if (options.sync === true) await file.sync();
  } finally {
    await file.close();
  }
  return size;
}

/** A temporary file in `tmpDir` named for this process (WriteJournal.undo finds it by its pid). */
export async function temporaryPath(tmpDir: string, hint: string): Promise<{ path: string; remove(): void }> {
  await nodeFsPromises().mkdir(tmpDir, { recursive: true });
  const path = tempName(tmpDir, hint);
  const forget = removeOnExit(path);
  return {
    path,
    remove() {
      forget();
      rmSync(path, { force: true });
    },
  };
}

/**
 * Writes `chunks` to `target` atomically (a temporary file in `tmpDir`, flushed, then renamed),
 * awaiting each write: the event loop stays free, so Ctrl-C stops a long write and the
 * temporary file is removed.
 */
export async function writeChunksAtomic(target: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, tmpDir: string, onPiece?: (bytes: number) => void): Promise<number> {
  const hint = target.slice(target.lastIndexOf('/') + 1);
  removeDeadTemporaries(tmpDir, hint);
  const tmp = await temporaryPath(tmpDir, hint);
  let size: number;
  try {
    size = await spool(chunks, tmp.path, { mode: 0o644, sync: true, ...(onPiece === undefined ? {} : { onPiece }) });
    renameIntoPlace(tmp.path, target);
  } catch (error) {
    throw namingPath(error, target);
  } finally {
    tmp.remove();
  }
  return size;
}

/**
 * Removes the temporary files of `hint` (atomic.ts tempName: `<hint>.<pid>.<hex>.tmp`) that
 * processes no longer running left in `dir`: a `save -o out.tar` killed mid-write leaves
 * `out.tar.<pid>.<hex>.tmp` beside its output, which the next save to it removes. Without a
 * `hint`, every `NAME.<pid>.<hex>.tmp` of a dead process goes.
 */
export function removeDeadTemporaries(dir: string, hint?: string): void {
  const prefix = hint === undefined ? '' : `${tempHint(hint)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = (hint === undefined ? /\.(\d+)\.[0-9a-f]{12}\.tmp$/ : /^(\d+)\.[0-9a-f]{12}\.tmp$/).exec(name.slice(prefix.length));
    if (match !== null && Number(match[1]) !== process.pid && !processAlive(Number(match[1]))) rmSync(join(dir, name), { force: true });
  }
}
