/**
 * Ctrl-C during long work (issue 9, "Streaming, in bounded memory"): the process ends within
 * about a second, exits 130 (SIGTERM: 143), leaves no temporary files and no lock, and the
 * store is byte for byte as before: the same index.json, blobs, layer caches and containers.
 * Needs no root; runs in CI.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, sh, smallImageWithContainer, spawnOverlay, type Overlay } from './helpers.js';

/** How long after the signal the process may take to end: "within a second", with slack for a busy machine. */
const GRACE_MS = 1500;

let o: Overlay;
let rootfsTar: string;
let archive: string;
let bigFile: string;

/** Text of random bytes in base64: compressible about as much as a real rootfs, so gzip takes a while. */
function writeBigText(path: string, bytes: number): void {
  writeFileSync(path, randomBytes((bytes * 3) / 4).toString('base64').replace(/(.{100})/g, '$1\n'));
}

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  smallImageWithContainer(o);
  // ~256 MB: storing it takes a few seconds on a 2-core machine (most of it gzip, on both cores).
  const root = join(o.dir, 'rootfs');
  mkdirSync(join(root, 'usr', 'share'), { recursive: true });
  for (let i = 0; i < 8; i++) writeBigText(join(root, 'usr', 'share', `data${i}.txt`), 32 * 1024 * 1024);
  rootfsTar = join(o.dir, 'rootfs.tar');
  sh(`tar -cf ${rootfsTar} -C ${root} .`, o.dir);
  rmSync(root, { recursive: true });
  // A docker-archive of the big image, made in another store: loading it gzips its layer.
  const other = overlayIn();
  other.ok(['import', rootfsTar, 'big:1']);
  archive = join(o.dir, 'big-save.tar');
  other.ok(['save', 'big:1', '-o', archive]);
  rmSync(other.dir, { recursive: true, force: true });
  bigFile = join(o.dir, 'big.txt');
  writeBigText(bigFile, 160 * 1024 * 1024);
}, HOOK_TIMEOUT);

// The inputs take about 800 MB: not left behind in the temporary directory.
afterAll(() => {
  if (o !== undefined) rmSync(o.dir, { recursive: true, force: true });
});

/** What must not change: every file of the store except the lock and tmp/, with its bytes' digest. */
function snapshot(store: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (name === 'overlay.lock' || name === 'tmp') continue;
      if (entry.isDirectory()) walk(path, name);
      else out.set(name, sh(`sha256sum ${JSON.stringify(path)} | cut -c1-64`, store).trim());
    }
  };
  walk(store, '');
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `args`, waits until the command holds the store's lock (its work on the store has
 * begun) and `afterLockMs` more, sends `signal`, and reports how the process ended.
 */
async function interrupt(args: readonly string[], signal: 'SIGINT' | 'SIGTERM', afterLockMs: number) {
  const lock = join(o.store, 'overlay.lock');
  const child = spawnOverlay(o, args);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  let exited = false;
  void ended.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!existsSync(lock) && !exited && Date.now() < deadline) await sleep(10);
  expect(exited, `${args.join(' ')} ended before it locked the store: ${stderr}`).toBe(false);
  await sleep(afterLockMs);
  expect(exited, `${args.join(' ')} ended within ${afterLockMs} ms: too little work to interrupt`).toBe(false);
  const sent = Date.now();
  child.kill(signal);
  const { code, at } = await ended;
  return { code, elapsed: at - sent, stderr };
}

async function expectUndone(args: readonly string[], signal: 'SIGINT' | 'SIGTERM' = 'SIGINT', afterLockMs = 1000): Promise<void> {
  const before = snapshot(o.store);
  const { code, elapsed, stderr } = await interrupt(args, signal, afterLockMs);
  expect(code, stderr).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(elapsed).toBeLessThan(GRACE_MS);
  expect(existsSync(join(o.store, 'overlay.lock'))).toBe(false);
  const tmp = join(o.store, 'tmp');
  expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
  expect(snapshot(o.store)).toEqual(before);
}

describe('Ctrl-C during long work', () => {
  it('stops an import of a 256 MB rootfs, early and late in storing it', async () => {
    await expectUndone(['import', rootfsTar, 'big:1'], 'SIGINT', 0);
    await expectUndone(['import', rootfsTar, 'big:1'], 'SIGINT', 1000);
    await expectUndone(['import', rootfsTar, 'big:1'], 'SIGTERM', 1500);
    // The store works afterwards and has nothing of the interrupted imports.
    expect(o.ok(['images', '--json'])).not.toContain('big');
  }, TEST_TIMEOUT);

  it('stops a load of a docker-archive', async () => {
    await expectUndone(['load', '-i', archive], 'SIGINT', 1000);
  }, TEST_TIMEOUT);

  it('stops a commit of a container with a big new file', async () => {
    o.ok(['write', 'c', '/big.txt', '--from', bigFile]);
    await expectUndone(['commit', 'c', 'committed:1'], 'SIGINT', 1000);
    expect(o.ok(['images', '--json'])).not.toContain('committed');
  }, TEST_TIMEOUT);
});
