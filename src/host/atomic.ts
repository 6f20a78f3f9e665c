/**
 * Crash-safe file replacement: data goes to a temporary file in the same filesystem, is
 * flushed, and then renamed over the target, so a reader (or the next process after a crash)
 * sees either the old file or the new one, never a torn one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeCrypto, nodeFsPromises } from './lazyModules.js';

/** The part of a temporary name that comes from its hint (see `tempName`). */
export function tempHint(hint: string): string {
  return hint.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
}

/** `<hint>.<pid>.<12 hex>.tmp` in `tmpDir`: the pid lets a later run remove it once that process is gone. */
export function tempName(tmpDir: string, hint: string): string {
  return join(tmpDir, `${tempHint(hint)}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
}

/** Writes all of `bytes` at the descriptor's position (a short `write(2)` is continued). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let pos = 0;
  while (pos < bytes.length) pos += writeSync(fd, bytes, pos, bytes.length - pos);
}

/**
 * Errors of a filesystem that does not open or sync directories (fsync(2), "EINVAL: fd is
 * bound to a special file which does not support synchronization"): the rename is still
 * atomic, only not yet durable, so these are not reported.
 */
const NO_DIR_SYNC = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EBADF', 'EACCES', 'EPERM']);

/**
 * fsync of a directory, so a file created, renamed or deleted in it survives a power cut. A
 * failure the filesystem reports (EIO, ENOSPC…) is thrown, naming the directory: the change
 * may not be on disk.
 */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    if (NO_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw namingPath(error, dir);
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!NO_DIR_SYNC.has((error as NodeJS.ErrnoException).code ?? '')) throw namingPath(error, dir);
  } finally {
    closeSync(fd);
  }
}

/**
 * A system error that names `path` (write(2) and fsync(2) errors carry none): `overlay: commit:
 * STORE/blobs/sha256/…: no space left on device`, not just "no space left on device".
 */
export function namingPath(error: unknown, path: string): unknown {
  const e = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof e.code === 'string' && typeof e.path !== 'string') e.path = path;
  return error;
}

/**
 * `mkdirSync(dir, { recursive: true })`, then, for each directory it created, an fsync of its
 * parent, so the new directory survives a power cut (a blob renamed into a directory that is
 * itself lost would be lost with it).
 */
export function mkdirDurable(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  for (let created = dir; ; created = dirname(created)) {
    syncDir(dirname(created));
    if (created === first || dirname(created) === created) return;
  }
}

/**
 * Writes `data` (bytes or chunks) to `target` atomically, through a temporary file in
 * `tmpDir` (which must be on the same filesystem).
 */
export function writeFileAtomic(target: string, data: Uint8Array | Iterable<Uint8Array>, tmpDir: string, onChunk?: (bytes: number) => void): void {
  mkdirDurable(tmpDir);
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
    throw namingPath(error, target);
  }
  closeSync(fd);
  renameIntoPlace(tmp, target);
}

/** Moves a complete temporary file to its name (removed on failure) and syncs the directory. */
export function renameIntoPlace(tmp: string, target: string): void {
  try {
    mkdirDurable(dirname(target));
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw namingPath(error, target);
  }
  syncDir(dirname(target));
}

/** Bytes per write of `writeFileAtomicInChunks`: small pieces are gathered up to this size. */
const WRITE_CHUNK = 4 << 20;

/** `chunks` regrouped into pieces of about `size` bytes (small ones copied together, big ones sliced). */
export async function* inPieces(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size = WRITE_CHUNK): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(size);
  let used = 0;
  for await (const chunk of chunks) {
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
  mkdirDurable(tmpDir);
  const tmp = tempName(tmpDir, target.slice(target.lastIndexOf('/') + 1));
  const file = await nodeFsPromises().open(tmp, 'wx', 0o644);
  try {
    for await (const piece of inPieces(data instanceof Uint8Array ? [data] : data)) {
      let pos = 0;
      while (pos < piece.length) pos += (await file.write(piece, pos, piece.length - pos)).bytesWritten;
    }
    await file.sync();
  } catch (error) {
    await file.close();
    rmSync(tmp, { force: true });
    throw namingPath(error, target);
  }
  await file.close();
  renameIntoPlace(tmp, target);
}
