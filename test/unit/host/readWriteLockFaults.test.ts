/**
 * The store's lock (src/host/readWriteLock.ts) with faults injected into the calls that place
 * a ticket: ENOSPC from mkdir and symlink (a full disk; a real full tmpfs, or one without free
 * inodes, gives the same results), and a race lost while placing a ticket.
 */
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Which calls fail with ENOSPC: none, a ticket with a command (it would need a data block), or every ticket. */
let full: 'no' | 'long targets' | 'yes' = 'no';
/** A ticket another process places just after ours, from a look at the queue before ours was there. */
let racer: string | undefined;

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const noSpace = (call: string): Error => Object.assign(new Error(`ENOSPC: no space left on device, ${call}`), { code: 'ENOSPC', syscall: call });
  return {
    ...real,
    mkdirSync: ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
      if (full === 'yes' && String(path).endsWith('overlay.lock')) throw noSpace('mkdir');
      return real.mkdirSync(path, options);
    }) as typeof fs.mkdirSync,
    symlinkSync: ((target: fs.PathLike, path: fs.PathLike) => {
      if (full === 'yes' || (full === 'long targets' && String(target).split(' ').length > 5)) throw noSpace('symlink');
      real.symlinkSync(target, path);
      if (racer !== undefined) {
        real.symlinkSync(racer, `${String(path).replace(/\d+$/, '')}${Number(String(path).match(/\d+$/)![0]) + 1}`);
        racer = undefined;
      }
    }) as typeof fs.symlinkSync,
  };
});

const { DiskStore, ReadWriteLock } = await import('../../../src/host/index.js');

const startTicksOf = (pid: number): number => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
const bootPrefix = (): string => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 8);

/** This host's hash, as our own tickets carry it. */
async function ourHostHash(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'overlay-rwlock-race-')), 'overlay.lock');
  const lock = await ReadWriteLock.acquire(dir, { mode: 'shared' });
  const hash = readlinkSync(join(dir, readdirSync(dir)[0]!)).split(' ')[4]!;
  lock.release();
  return hash;
}

afterEach(() => {
  full = 'no';
  racer = undefined;
});

describe('ReadWriteLock with faults injected', () => {
  it('withdraws a ticket that has one above it (it may come from a stale look) and queues again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'overlay-rwlock-race-')), 'overlay.lock');
    // Pid 1 is alive: a writer that placed ticket 2 before our ticket 1 appeared, and holds the
    // store. Ticket 1, kept, would let us in beside it.
    racer = `w 1 ${startTicksOf(1)} ${bootPrefix()} ${await ourHostHash()} overlay commit`;
    const error = await ReadWriteLock.acquire(dir, { mode: 'shared', timeoutMs: 100, pollMs: 10 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/store is locked by process 1 \(overlay commit\)/);
    expect(readdirSync(dir)).toEqual(['2']);
  });

  it('places a ticket without its command when only that has no room', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'overlay-rwlock-full-')), 'overlay.lock');
    full = 'long targets';
    const lock = await ReadWriteLock.acquire(dir, { mode: 'shared', command: 'overlay images' });
    const [name] = readdirSync(dir);
    expect(readlinkSync(join(dir, name!))).toMatch(new RegExp(`^r ${process.pid} \\S+ \\S+ [0-9a-f]{8}$`));
    lock.release();
  });

  it('lets a reader read without a ticket, and refuses a writer, when there is no room for one', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'overlay-rwlock-full-'));
    const made = await DiskStore.open(storeDir);
    made.close();
    full = 'yes';
    let reason: Error | undefined;
    const reader = await DiskStore.open(storeDir, { access: 'read', onLockFree: (error) => (reason = error) });
    expect(reason).toMatchObject({ code: 'ENOSPC' });
    expect(reader.images()).toEqual([]);
    // Two at once, as readers share the store anyway.
    const other = await DiskStore.open(storeDir, { access: 'read' });
    other.close();
    reader.close();
    await expect(DiskStore.open(storeDir, { access: 'write' })).rejects.toMatchObject({ code: 'ENOSPC' });
    full = 'no';
    expect(readdirSync(storeDir)).not.toContain('overlay.lock');
  });
});
