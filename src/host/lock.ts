/**
 * An exclusive lock file that holds the owner's pid, host, start time and boot: the store's
 * lock before readWriteLock.ts, which still meets one an older version left (or holds) at the
 * same path (`clearStaleLockFile`). A lock whose owner cannot be proven alive is stale and is
 * taken over: its pid is gone, or is now another process (another start time, or another boot:
 * processInfo.ts); a live owner is waited for, up to a timeout, then `StoreLockedError`.
 *
 * The lock is written whole to a temporary file and linked to its name, so it never exists
 * empty (a full disk used to leave an empty lock that every later command waited 5 s on). When
 * the disk has no room even for the record, the lock is an empty file whose owner is in the
 * name of a second link to it (`overlay.lock.owner.<pid>.<start ticks>.<boot id>`), which needs
 * no data block, so it can be taken on a full disk.
 */
import { closeSync, ftruncateSync, linkSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DomainError } from '../errors/index.js';
import { nodeCrypto } from './lazyModules.js';
import { bootId, processAlive, processGone, processStartTicks, processStartedAt } from './processInfo.js';

export { processAlive } from './processInfo.js';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command?: string;
  /** /proc/sys/kernel/random/boot_id of the owner's boot (Linux). */
  boot?: string;
  /** The owner's start time in clock ticks since boot (Linux, /proc/[pid]/stat field 22). */
  startTicks?: number;
}

export interface LockOptions {
  /** How long to wait for a live owner, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** What the owner is doing, shown to whoever waits. */
  command?: string;
  /** Called once when the lock is busy and the caller starts waiting. */
  onWait?: (owner: LockOwner | undefined) => void;
}

/** `<lock>.owner.<pid>.<start ticks>.<boot id>`: the owner of an empty lock (full disk). */
const OWNER_LINK = /\.owner\.(\d+)\.(\d+)\.([0-9a-f-]*)$/;
/** Our own leftovers beside the lock: `<lock>.<pid>.<hex>.tmp` and `<lock>.stale.<pid>`. */
const TEMP = /\.(\d+)\.[0-9a-f]+\.tmp$|\.stale\.(\d+)$/;

const NO_ROOM = new Set(['ENOSPC', 'EDQUOT']);
const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** The owner recorded in a lock file, or in the name of the owner link of an empty one. */
function readOwner(path: string): { owner: LockOwner; link?: string } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    if (text !== '') {
      const value = JSON.parse(text) as Partial<LockOwner>;
      if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
      return { owner: value as LockOwner };
    }
    const ino = statSync(path).ino;
    const prefix = `${basename(path).replace(/\.stale\.\d+$/, '')}.owner.`;
    for (const name of readdirSync(dirname(path))) {
      const match = name.startsWith(prefix) ? OWNER_LINK.exec(name) : null;
      const link = join(dirname(path), name);
      if (match === null || statSync(link, { throwIfNoEntry: false })?.ino !== ino) continue;
      const owner: LockOwner = { pid: Number(match[1]), host: hostname(), started: '' };
      if (match[2] !== '0') owner.startTicks = Number(match[2]);
      if (match[3] !== '') owner.boot = match[3]!;
      return { owner, link };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a lock is stale: its owner (on this host) is of another boot, is dead, or its pid is
 * now another process; an unreadable lock that is more than a few seconds old was left by a
 * process killed before it was complete (older versions wrote the record after creating it).
 */
function isStale(path: string, owner: LockOwner | undefined): boolean {
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return false;
  }
  if (owner === undefined) return Date.now() - mtime > 5000;
  if (owner.host !== hostname()) return false;
  if (processGone(owner.pid, owner.startTicks, owner.boot)) return true;
  if (owner.startTicks !== undefined) return false;
  // A lock of an older version, without a start time: its owner started before it was
  // written (2 s of slack: the boot time in /proc/stat is in whole seconds).
  const started = processStartedAt(owner.pid);
  return started !== undefined && started > mtime + 2000;
}

const sameOwner = (a: LockOwner, b: LockOwner): boolean => a.pid === b.pid && a.started === b.started && a.startTicks === b.startTicks;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Removes a stale lock without removing a fresh one another process may have just created:
 * the file is renamed aside first, then checked; if it turns out to be live it is put back.
 */
function breakStale(path: string, seen: LockOwner | undefined): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it first
  }
  const found = readOwner(aside);
  const moved = found?.owner;
  const same = seen === undefined ? moved === undefined : moved !== undefined && sameOwner(moved, seen);
  if (!same && moved !== undefined && !isStale(aside, moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process holds the lock by now; the one we moved lost it.
    }
  } else if (found?.link !== undefined) {
    rmSync(found.link, { force: true });
  }
  rmSync(aside, { force: true });
}

/**
 * A lock file of this kind at `path` (the store lock of versions before readWriteLock.ts):
 * removed when stale, and `'gone'`; else its owner, who is alive.
 */
export function clearStaleLockFile(path: string): 'gone' | { owner: LockOwner | undefined } {
  const owner = readOwner(path)?.owner;
  if (!isStale(path, owner)) return { owner };
  breakStale(path, owner);
  return 'gone';
}

export class FileLock {
  readonly path: string;
  #held = false;
  /** The owner link of an empty lock (see above), when the disk had no room for the record. */
  #ownerLink: string | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock, waiting for a live owner and taking over a stale lock. */
  static async acquire(path: string, options: LockOptions = {}): Promise<FileLock> {
    const lock = new FileLock(path);
    const timeout = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeout;
    let delay = 10;
    let warned = false;
    for (;;) {
      if (lock.#tryCreate(options.command)) return lock;
      const owner = readOwner(path)?.owner;
      if (owner?.pid === process.pid && owner.host === hostname()) {
        throw new DomainError('StoreLockedError', `store is already locked by this process (${path})`, { path, owner });
      }
      if (isStale(path, owner)) {
        breakStale(path, owner);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = owner === undefined ? 'another process' : `process ${owner.pid}${owner.command ? ` (${owner.command})` : ''}`;
        throw new DomainError('StoreLockedError', `store is locked by ${who}; gave up after ${Math.round(timeout / 1000)}s (lock file ${path})`, { path, owner });
      }
      if (!warned) {
        warned = true;
        options.onWait?.(owner);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 250);
    }
  }

  #tryCreate(command: string | undefined): boolean {
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    if (command !== undefined) owner.command = command;
    const boot = bootId();
    const ticks = processStartTicks(process.pid);
    if (boot !== undefined) owner.boot = boot;
    if (ticks !== undefined) owner.startTicks = ticks;
    // The record is written to a temporary file, then linked to the lock's name: link fails
    // with EEXIST when the lock is held, and the lock never exists without its record.
    const tmp = `${this.path}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o644);
    let named = tmp;
    try {
      writeSync(fd, JSON.stringify(owner) + '\n');
      closeSync(fd);
    } catch (error) {
      if (!NO_ROOM.has(code(error) ?? '')) {
        closeSync(fd);
        rmSync(tmp, { force: true });
        throw error;
      }
      // No room for the record: an empty lock, its owner in the name of its other link.
      ftruncateSync(fd, 0);
      closeSync(fd);
      named = `${this.path}.owner.${process.pid}.${ticks ?? 0}.${boot ?? ''}`;
      try {
        renameSync(tmp, named);
      } catch (renameError) {
        rmSync(tmp, { force: true });
        throw renameError;
      }
    }
    try {
      linkSync(named, this.path);
    } catch (error) {
      rmSync(named, { force: true });
      if (code(error) === 'EEXIST') return false;
      throw error;
    }
    if (named === tmp) rmSync(tmp, { force: true });
    else this.#ownerLink = named;
    this.#held = true;
    this.#sweep();
    return true;
  }

  /** Removes what killed processes left beside the lock: their temporary files and owner links. */
  #sweep(): void {
    const dir = dirname(this.path);
    const base = `${basename(this.path)}.`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(base)) continue;
      const path = join(dir, name);
      const temp = TEMP.exec(name);
      const pid = temp === null ? undefined : Number(temp[1] ?? temp[2]);
      const deadTemp = pid !== undefined && pid !== process.pid && !processAlive(pid);
      // An owner link whose lock is gone has one link left.
      const orphanLink = OWNER_LINK.test(name) && path !== this.#ownerLink && statSync(path, { throwIfNoEntry: false })?.nlink === 1;
      if (deadTemp || orphanLink) rmSync(path, { force: true });
    }
  }

  get held(): boolean {
    return this.#held;
  }

  /** Releases the lock (idempotent; safe in an exit handler). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const owner = readOwner(this.path)?.owner;
    if (owner === undefined || (owner.pid === process.pid && owner.host === hostname())) rmSync(this.path, { force: true });
    if (this.#ownerLink !== undefined) rmSync(this.#ownerLink, { force: true });
  }
}
