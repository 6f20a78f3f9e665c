/** Several overlay processes on one store, and processes killed in the middle of a write. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, smallImageWithContainer, spawnOverlay, type Overlay } from './helpers.js';

let o: Overlay;

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  smallImageWithContainer(o);
  // A tree big enough that storing it takes a while (incompressible data).
  const big = join(o.dir, 'big');
  mkdirSync(big);
  for (let i = 0; i < 24; i++) writeFileSync(join(big, `blob${i}`), randomBytes(2 * 1024 * 1024));
}, HOOK_TIMEOUT);

function finished(child: ReturnType<typeof spawnOverlay>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

async function whenLocked(o: Overlay, timeoutMs = 30_000): Promise<void> {
  const lock = join(o.store, 'overlay.lock');
  for (const start = Date.now(); !existsSync(lock); ) {
    if (Date.now() - start > timeoutMs) throw new Error('the store was never locked');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Places a ticket in the store's lock for `pid`, as that process would (src/host/readWriteLock.ts:
 * mode, pid, start ticks, boot ID prefix, host hash, command).
 */
function placeTicket(o: Overlay, n: number, mode: 'r' | 'w', pid: number, command: string): void {
  const ticks = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 8);
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(hostname())) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  mkdirSync(join(o.store, 'overlay.lock'), { recursive: true });
  symlinkSync(`${mode} ${pid} ${ticks} ${boot} ${hash.toString(16).padStart(8, '0')} ${command}`, join(o.store, 'overlay.lock', String(n)));
}

describe('one store, many processes', { timeout: TEST_TIMEOUT }, () => {
  it('lets read verbs run while another reader holds the store, and makes a writer wait for the readers', async () => {
    const reader = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const exited = new Promise((resolve) => reader.on('exit', resolve));
    try {
      await new Promise((resolve) => reader.on('spawn', resolve));
      placeTicket(o, 1, 'r', reader.pid!, 'overlay save');
      const impatient = { env: { OVERLAY_LOCK_TIMEOUT: '0.3' } };
      for (const args of [['images'], ['cat', 'c', '/etc/motd'], ['fsck']]) {
        const read = o(args, impatient);
        expect(read, `overlay ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
      }
      const writer = o(['tag', 'small:1', 'small:2'], impatient);
      expect(writer.code).toBe(1);
      expect(writer.stderr).toMatch(new RegExp(`^overlay: waiting for the store lock held by process ${reader.pid} \\(overlay save\\)…\noverlay: tag: store is locked by process ${reader.pid} \\(overlay save\\); gave up`));
    } finally {
      reader.kill('SIGKILL');
    }
    await exited;
    // The reader died without leaving: its ticket is reaped by the writer, which leaves none.
    o.ok(['tag', 'small:1', 'small:2']);
    expect(existsSync(join(o.store, 'overlay.lock'))).toBe(false);
    o.ok(['rmi', 'small:2']);
  });


  it('serializes concurrent writers: no update is lost', async () => {
    const children = Array.from({ length: 6 }, (_, i) => finished(spawnOverlay(o, ['append', 'c', '/log', `line ${i}\n`])));
    const results = await Promise.all(children);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = o.ok(['cat', 'c', '/log']).trim().split('\n').sort();
    expect(lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });

  it('makes a second process wait for the lock, or give up after OVERLAY_LOCK_TIMEOUT', async () => {
    const importing = finished(spawnOverlay(o, ['import', 'big', 'big:1']));
    await whenLocked(o);
    const impatient = o(['images'], { env: { OVERLAY_LOCK_TIMEOUT: '0.05' } });
    expect(impatient.code).toBe(1);
    expect(impatient.stderr).toMatch(/^overlay: waiting for the store lock held by process \d+ \(overlay import\)…\noverlay: images: store is locked by process \d+ \(overlay import\); gave up after 0s/);
    const patient = o(['images']);
    expect(patient.code).toBe(0);
    expect((await importing).code).toBe(0);
    expect(o.ok(['images'])).toMatch(/^big\s+1\s/m);
  });

  it('recovers from a process killed while it held the lock', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = spawnOverlay(o, ['import', 'big', `killed:${attempt}`]);
      const done = finished(child);
      await whenLocked(o);
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      // The next process takes over the stale lock; the store loads; leftovers are cleaned.
      const images = o.json<{ repository: string; tag: string }[]>(['images']);
      expect(images.map((i) => `${i.repository}:${i.tag}`)).toEqual(expect.arrayContaining(['small:1', 'big:1']));
      expect(existsSync(join(o.store, 'tmp')) ? readdirSync(join(o.store, 'tmp')) : []).toEqual([]);
      expect(o.ok(['cat', 'c', '/etc/motd'])).toBe('hi\n');
    }
    // Whatever a killed import had stored without a name is garbage for prune.
    o.ok(['prune']);
    expect(o.json<{ unreferenced: { count: number } }>(['df']).unreferenced.count).toBe(0);
  });

  it('releases the lock on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const child = spawnOverlay(o, ['import', 'big', 'interrupted:1']);
      const done = finished(child);
      await whenLocked(o);
      child.kill(signal);
      const result = await done;
      // Signals are handled between steps: a step already running (compressing and writing
      // a blob) completes, atomically, then the process exits, releasing the lock.
      expect([0, signal === 'SIGTERM' ? 143 : 130]).toContain(result.code);
      expect(existsSync(join(o.store, 'overlay.lock'))).toBe(false);
      expect(o(['images']).code).toBe(0);
    }
  });
});
