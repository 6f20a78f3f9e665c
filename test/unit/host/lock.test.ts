import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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

  it('records its owner\'s start time and boot, and leaves no temporary file beside the lock', async () => {
    const d = dir();
    const path = join(d, 'overlay.lock');
    const lock = await FileLock.acquire(path);
    const owner = JSON.parse(readFileSync(path, 'utf8')) as { startTicks?: number; boot?: string };
    expect(owner.startTicks).toBe(Number(readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]));
    expect(owner.boot).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(readdirSync(d)).toEqual(['overlay.lock']);
    lock.release();
  });

  it('takes over a lock whose live pid is another process (another start time, another boot)', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      await new Promise((resolve) => child.on('spawn', resolve));
      for (const other of [{ startTicks: 1 }, { boot: '00000000-0000-0000-0000-000000000000' }]) {
        const path = join(dir(), 'overlay.lock');
        writeFileSync(path, JSON.stringify({ pid: child.pid, host: hostname(), started: 'then', ...other }));
        const lock = await FileLock.acquire(path, { timeoutMs: 300 });
        expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
        lock.release();
      }
    } finally {
      child.kill();
    }
  });

  it('takes over an old-format lock naming pid 1 written before this boot', async () => {
    const path = join(dir(), 'overlay.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: hostname(), started: '2000-01-01T00:00:00.000Z' }));
    utimesSync(path, new Date('2000-01-01'), new Date('2000-01-01'));
    const lock = await FileLock.acquire(path, { timeoutMs: 300 });
    lock.release();
  });

  it('reads the owner of an empty lock (full disk) from its owner link, and removes both when stale', async () => {
    const d = dir();
    const path = join(d, 'overlay.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      await new Promise((resolve) => child.on('spawn', resolve));
      const ticks = Number(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const link = `${path}.owner.${child.pid}.${ticks}.${boot}`;
      writeFileSync(link, '');
      linkSync(link, path);
      // Live owner: waited for, and named.
      const error = await FileLock.acquire(path, { timeoutMs: 200 }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(new RegExp(`process ${child.pid}`));
      child.kill();
      await new Promise((resolve) => child.on('exit', resolve));
      // Dead owner: taken over, its owner link removed with it.
      const lock = await FileLock.acquire(path, { timeoutMs: 1000 });
      expect(readdirSync(d)).toEqual(['overlay.lock']);
      lock.release();
    } finally {
      child.kill();
    }
  });

  it('removes the temporary files and owner links killed processes left beside the lock', async () => {
    const d = dir();
    const path = join(d, 'overlay.lock');
    const pid = await deadPid();
    writeFileSync(`${path}.${pid}.0123456789ab.tmp`, '');
    writeFileSync(`${path}.owner.${pid}.5.0c0ffee0-0000-0000-0000-000000000000`, '');
    writeFileSync(`${path}.stale.${pid}`, '');
    const lock = await FileLock.acquire(path);
    expect(readdirSync(d)).toEqual(['overlay.lock']);
    lock.release();
  });
});
