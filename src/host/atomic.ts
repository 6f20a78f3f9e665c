/**
 * Crash-safe file replacement: data goes to a temporary file in the same filesystem, is
 * flushed, and then renamed over the target, so a reader (or the next process after a crash)
 * sees either the old file or the new one, never a torn one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempName(tmpDir: string, hint: string): string {
  return join(tmpDir, `${hint.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let pos = 0;
  while (pos < bytes.length) pos += writeSync(fd, bytes, pos, bytes.length - pos);
}

/** Best-effort fsync of a directory, so a rename in it survives a power cut. */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse to open or sync directories; the rename is still atomic.
  }
}

/**
 * Writes `data` (bytes or chunks) to `target` atomically, through a temporary file in
 * `tmpDir` (which must be on the same filesystem).
 */
export function writeFileAtomic(target: string, data: Uint8Array | Iterable<Uint8Array>, tmpDir: string, onChunk?: (bytes: number) => void): void {
  mkdirSync(tmpDir, { recursive: true });
  const tmp = tempName(tmpDir, target.slice(target.lastIndexOf('/') + 1));
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    if (data instanceof Uint8Array) {
      writeAll(fd, data);
      onChunk?.(data.length);
    } else {
      for (const chunk of data) {
        writeAll(fd, chunk);
        onChunk?.(chunk.length);
      }
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameIntoPlace(tmp, target);
}

/** Moves a complete temporary file to its name (removed on failure) and syncs the directory. */
export function renameIntoPlace(tmp: string, target: string): void {
  try {
    mkdirSync(dirname(target), { recursive: true });
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  syncDir(dirname(target));
}

/** Bytes per write of `writeFileAtomicInChunks`: small pieces are gathered up to this size. */
const WRITE_CHUNK = 4 << 20;

/** `chunks` regrouped into pieces of about `size` bytes (small ones copied together, big ones sliced). */
export function* inPiecesOf(chunks: Iterable<Uint8Array>, size: number): Generator<Uint8Array> {
  let pending = new Uint8Array(size);
  let used = 0;
  for (const chunk of chunks) {
    if (chunk.length >= size) {
      if (used > 0) {
        yield pending.subarray(0, used);
        pending = new Uint8Array(size);
        used = 0;
      }
      for (let pos = 0; pos < chunk.length; pos += size) yield chunk.subarray(pos, Math.min(pos + size, chunk.length));
      continue;
    }
    if (used + chunk.length > size) {
      yield pending.subarray(0, used);
      pending = new Uint8Array(size);
      used = 0;
    }
    pending.set(chunk, used);
    used += chunk.length;
  }
  if (used > 0) yield pending.subarray(0, used);
}

/**
 * `writeFileAtomic` with asynchronous writes of a few MiB each, so that a long write leaves the
 * event loop free (Ctrl-C is handled between two writes, and the temporary file is then
 * removed by WriteJournal.undo). The rename is synchronous: the caller notes the new file in
 * the same turn.
 */
export async function writeFileAtomicInChunks(target: string, data: Uint8Array | Iterable<Uint8Array>, tmpDir: string): Promise<void> {
  mkdirSync(tmpDir, { recursive: true });
  const tmp = tempName(tmpDir, target.slice(target.lastIndexOf('/') + 1));
  const file = await open(tmp, 'wx', 0o644);
  try {
    for (const piece of inPiecesOf(data instanceof Uint8Array ? [data] : data, WRITE_CHUNK)) {
      let pos = 0;
      while (pos < piece.length) pos += (await file.write(piece, pos, piece.length - pos)).bytesWritten;
    }
    await file.sync();
  } catch (error) {
    await file.close();
    rmSync(tmp, { force: true });
    throw error;
  }
  await file.close();
  renameIntoPlace(tmp, target);
}
