import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLock, processAlive } from '../../../src/host/index.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'overlay-lock-'));

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('FileLock', () => {
  it('is exclusive and records its owner', async () => {
    const path = join(dir(), 'overlay.lock');
    const lock = await FileLock.acquire(path, { command: 'test' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'test' });
    await expect(FileLock.acquire(path, { timeoutMs: 50 })).rejects.toThrow(/already locked by this process/);
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // idempotent
  });

  it('takes over the lock of a dead process', async () => {
    const path = join(dir(), 'overlay.lock');
    const pid = await deadPid();
    expect(processAlive(pid)).toBe(false);
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), started: 'then' }));
    const lock = await FileLock.acquire(path, { timeoutMs: 1000 });
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over an old unreadable lock (owner killed before writing it)', async () => {
    const path = join(dir(), 'overlay.lock');
    writeFileSync(path, '');
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const lock = await FileLock.acquire(path, { timeoutMs: 1000 });
    lock.release();
  });

  it('waits for a live owner, then gives up with StoreLockedError', async () => {
    const path = join(dir(), 'overlay.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      writeFileSync(path, JSON.stringify({ pid: child.pid, host: hostname(), started: 'now', command: 'overlay import' }));
      let waited = false;
      const error = await FileLock.acquire(path, { timeoutMs: 300, onWait: () => (waited = true) }).catch((e: unknown) => e);
      expect(waited).toBe(true);
      expect(error).toMatchObject({ code: 'StoreLockedError' });
      expect((error as Error).message).toMatch(new RegExp(`process ${child.pid} \\(overlay import\\)`));
      // The owner finishes and removes its lock: a waiter gets it.
      setTimeout(() => rmSync(path), 100);
      const lock = await FileLock.acquire(path, { timeoutMs: 5000 });
      lock.release();
    } finally {
      child.kill();
    }
  });
});
