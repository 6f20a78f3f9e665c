/**
 * The store's lock on a full disk (src/host/readWriteLock.ts): ENOSPC is injected into the
 * calls that place a ticket (mkdir and symlink). A real full tmpfs gives the same result
 * (README, "The store", locks).
 */
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Which calls fail with ENOSPC: none, a ticket with a command (it would need a data block), or every ticket. */
let full: 'no' | 'long targets' | 'yes' = 'no';

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
      return real.symlinkSync(target, path);
    }) as typeof fs.symlinkSync,
  };
});

const { DiskStore, ReadWriteLock } = await import('../../../src/host/index.js');

afterEach(() => {
  full = 'no';
});

describe('ReadWriteLock on a full disk', () => {
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
