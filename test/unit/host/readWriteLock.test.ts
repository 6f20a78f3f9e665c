/**
 * The store's read-write lock (src/host/readWriteLock.ts). Other processes' tickets are made
 * by hand, as they would place them (the ticket format is what processes of two versions
 * share), naming live or dead child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadWriteLock } from '../../../src/host/index.js';

const lockDir = (): string => join(mkdtempSync(join(tmpdir(), 'overlay-rwlock-')), 'overlay.lock');
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 8);
const startTicks = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
/** A dead process's start time cannot be read: a ticket of a process that is gone has '-' there. */
const ticksOf = (pid: number): number | string => (existsSync(`/proc/${pid}`) ? startTicks(pid) : '-');

function hostHash(name = hostname()): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

interface FakeOwner {
  pid: number;
  ticks?: number | string;
  boot?: string;
  host?: string;
  command?: string;
}

/** Places ticket `n` of another process in the queue directory `dir`. */
function ticket(dir: string, n: number, mode: 'r' | 'w', owner: FakeOwner): void {
  mkdirSync(dir, { recursive: true });
  const target = `${mode} ${owner.pid} ${owner.ticks ?? ticksOf(owner.pid)} ${owner.boot ?? BOOT} ${owner.host ?? hostHash()} ${owner.command ?? 'overlay test'}`;
  symlinkSync(target, join(dir, String(n)));
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process to name in tickets. */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
  children.push(child);
  await new Promise((resolve) => child.on('spawn', resolve));
  return child.pid!;
}

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const tickets = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort((a, b) => Number(a) - Number(b)) : []);

describe('ReadWriteLock', () => {
  it('is shared by readers; its ticket names mode, pid, start time, boot, host and command; the last one out removes the directory', async () => {
    const dir = lockDir();
    const reader = await liveProcess();
    ticket(dir, 1, 'r', { pid: reader, command: 'overlay cat' });
    let waited = false;
    const a = await ReadWriteLock.acquire(dir, { mode: 'shared', command: 'overlay ls', timeoutMs: 200, onWait: () => (waited = true) });
    const b = await ReadWriteLock.acquire(dir, { mode: 'shared', timeoutMs: 200 });
    expect(waited).toBe(false);
    expect(tickets(dir)).toEqual(['1', '2', '3']);
    expect(readlinkSync(join(dir, '2'))).toBe(`r ${process.pid} ${startTicks(process.pid)} ${BOOT} ${hostHash()} overlay ls`);
    a.release();
    a.release(); // idempotent
    b.release();
    expect(tickets(dir)).toEqual(['1']);
    rmSync(join(dir, '1'));
    const c = await ReadWriteLock.acquire(dir, { mode: 'shared' });
    c.release();
    expect(existsSync(dir)).toBe(false);
  });

  it('makes a writer wait for the readers before it, then gives up with StoreLockedError and leaves the queue', async () => {
    const dir = lockDir();
    const reader = await liveProcess();
    ticket(dir, 1, 'r', { pid: reader, command: 'overlay cat' });
    let waitedFor: number | undefined;
    const error = await ReadWriteLock.acquire(dir, { timeoutMs: 100, pollMs: 10, onWait: (owner) => (waitedFor = owner?.pid) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'StoreLockedError' });
    expect((error as Error).message).toMatch(new RegExp(`store is locked by process ${reader} \\(overlay cat\\)`));
    expect(waitedFor).toBe(reader);
    expect(tickets(dir)).toEqual(['1']);
    // The reader leaves: the writer gets the store.
    setTimeout(() => rmSync(join(dir, '1')), 50);
    const writer = await ReadWriteLock.acquire(dir, { timeoutMs: 5000, pollMs: 10 });
    expect(readlinkSync(join(dir, tickets(dir)[0]!))).toMatch(new RegExp(`^w ${process.pid} `));
    writer.release();
  });

  it('is woken by the queue changing, not by its next poll', async () => {
    // The queue is watched (inotify): with a poll of ten minutes, far beyond the test's own
    // timeout, only the watch can wake the writer in time.
    const dir = lockDir();
    const reader = await liveProcess();
    ticket(dir, 1, 'r', { pid: reader });
    setTimeout(() => rmSync(join(dir, '1')), 100);
    const writer = await ReadWriteLock.acquire(dir, { timeoutMs: 1_200_000, pollMs: 600_000 });
    expect(tickets(dir)).toHaveLength(1);
    writer.release();
    expect(existsSync(dir)).toBe(false);
  });

  it('counts its timeout from the last time the queue moved', async () => {
    const dir = lockDir();
    const writer = await liveProcess();
    ticket(dir, 1, 'w', { pid: writer });
    ticket(dir, 2, 'w', { pid: writer });
    // Each writer before us takes less than the timeout, both together more.
    setTimeout(() => rmSync(join(dir, '1')), 400);
    setTimeout(() => rmSync(join(dir, '2')), 800);
    const started = Date.now();
    const lock = await ReadWriteLock.acquire(dir, { timeoutMs: 600, pollMs: 10 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    lock.release();
  });

  it('serves in order: a reader that comes after a waiting writer waits behind it', async () => {
    const dir = lockDir();
    const reader = await liveProcess();
    const writer = await liveProcess();
    ticket(dir, 1, 'r', { pid: reader, command: 'overlay cat' });
    ticket(dir, 2, 'w', { pid: writer, command: 'overlay commit' });
    // Only a reader holds the store, yet a new reader waits: for the writer before it.
    const error = await ReadWriteLock.acquire(dir, { mode: 'shared', timeoutMs: 100, pollMs: 10 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`process ${writer} \\(overlay commit\\)`));
    // The writer's turn comes and goes; the reader is served next, before a writer after it.
    const waiting = ReadWriteLock.acquire(dir, { mode: 'shared', timeoutMs: 5000, pollMs: 10 });
    await new Promise((r) => setTimeout(r, 30));
    ticket(dir, 9, 'w', { pid: writer, command: 'overlay tag' });
    rmSync(join(dir, '2'));
    const lock = await waiting;
    expect(tickets(dir)).toEqual(['1', '3', '9']);
    lock.release();
  });

  it('reaps the tickets of dead readers and writers, and of live pids that are other processes (start time, boot)', async () => {
    const dir = lockDir();
    const live = await liveProcess();
    ticket(dir, 1, 'r', { pid: await deadPid() });
    ticket(dir, 2, 'w', { pid: await deadPid() });
    ticket(dir, 3, 'w', { pid: live, ticks: 1 });
    ticket(dir, 4, 'r', { pid: live, boot: '00000000' });
    ticket(dir, 5, 'w', { pid: 1, ticks: startTicks(1) + 1 });
    const lock = await ReadWriteLock.acquire(dir, { timeoutMs: 1000 });
    expect(tickets(dir)).toEqual(['6']);
    lock.release();
    expect(existsSync(dir)).toBe(false);
  });

  it('reaps dead tickets that do not block it too (they would keep the directory and block the next writer)', async () => {
    const dir = lockDir();
    ticket(dir, 7, 'r', { pid: await deadPid() });
    const reader = await liveProcess();
    ticket(dir, 3, 'r', { pid: reader });
    const lock = await ReadWriteLock.acquire(dir, { mode: 'shared', timeoutMs: 200 });
    expect(tickets(dir)).toEqual(['3', '8']);
    // And one placed behind us while we hold the store goes when we leave.
    ticket(dir, 9, 'r', { pid: await deadPid() });
    rmSync(join(dir, '3'));
    lock.release();
    expect(existsSync(dir)).toBe(false);
  });

  it('does not judge a ticket of another host, nor take the store from itself', async () => {
    const dir = lockDir();
    ticket(dir, 1, 'w', { pid: await deadPid(), host: '0badc0de' });
    await expect(ReadWriteLock.acquire(dir, { timeoutMs: 50, pollMs: 10 })).rejects.toMatchObject({ code: 'StoreLockedError' });
    rmSync(join(dir, '1'));
    const mine = await ReadWriteLock.acquire(dir, { mode: 'shared' });
    await expect(ReadWriteLock.acquire(dir, { timeoutMs: 50 })).rejects.toThrow(/already locked by this process/);
    mine.release();
  });

  it('waits for the lock file of an older version, and takes it over when its owner is gone', async () => {
    const dir = lockDir();
    const owner = await liveProcess();
    mkdirSync(join(dir, '..'), { recursive: true });
    writeFileSync(dir, JSON.stringify({ pid: owner, host: hostname(), started: 'now', command: 'overlay import', startTicks: startTicks(owner) }));
    const error = await ReadWriteLock.acquire(dir, { mode: 'shared', timeoutMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`process ${owner} \\(overlay import\\)`));
    writeFileSync(dir, JSON.stringify({ pid: await deadPid(), host: hostname(), started: 'then' }));
    const lock = await ReadWriteLock.acquire(dir, { timeoutMs: 1000 });
    expect(tickets(dir)).toHaveLength(1);
    lock.release();
    expect(existsSync(dir)).toBe(false);
  });
});
