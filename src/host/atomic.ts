/**
 * Crash-safe file replacement: data goes to a temporary file in the same filesystem, is
 * flushed, and then renamed over the target, so a reader (or the next process after a crash)
 * sees either the old file or the new one, never a torn one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
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
  try {
    mkdirSync(dirname(target), { recursive: true });
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  syncDir(dirname(target));
}
