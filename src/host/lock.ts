/**
 * One writer at a time on a store: a lock file created with O_EXCL that holds the owner's pid,
 * host and start time. A lock whose owner is gone (a killed process) is stale and is taken
 * over; a live owner is waited for, up to a timeout, then `StoreLockedError`.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { DomainError } from '../errors/index.js';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  command?: string;
}

export interface LockOptions {
  /** How long to wait for a live owner, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** What the owner is doing, shown to whoever waits. */
  command?: string;
  /** Called once when the lock is busy and the caller starts waiting. */
  onWait?: (owner: LockOwner | undefined) => void;
}

/** Whether a process with this pid exists on this machine. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return value as LockOwner;
  } catch {
    return undefined;
  }
}

/** A lock file is stale when its owner (on this host) is dead, or it is unreadable and old. */
function isStale(path: string, owner: LockOwner | undefined): boolean {
  if (owner !== undefined) return owner.host === hostname() && !processAlive(owner.pid);
  try {
    // An owner writes its record right after creating the file: an empty or garbled lock
    // that is more than a few seconds old was left by a process killed in between.
    return Date.now() - statSync(path).mtimeMs > 5000;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class FileLock {
  readonly path: string;
  #held = false;

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
      const owner = readOwner(path);
      if (owner?.pid === process.pid && owner.host === hostname()) {
        throw new DomainError('StoreLockedError', `store is already locked by this process (${path})`, { path, owner });
      }
      if (isStale(path, owner)) {
        lock.#breakStale(owner);
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
    let fd: number;
    try {
      fd = openSync(this.path, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    if (command !== undefined) owner.command = command;
    try {
      writeSync(fd, JSON.stringify(owner) + '\n');
    } finally {
      closeSync(fd);
    }
    this.#held = true;
    return true;
  }

  /**
   * Removes a stale lock without removing a fresh one another process may have just created:
   * the file is renamed aside first, then checked; if it turns out to be live it is put back.
   */
  #breakStale(seen: LockOwner | undefined): void {
    const aside = `${this.path}.stale.${process.pid}`;
    try {
      renameSync(this.path, aside);
    } catch {
      return; // someone else broke it first
    }
    const moved = readOwner(aside);
    const same = seen === undefined ? moved === undefined : moved !== undefined && moved.pid === seen.pid && moved.started === seen.started;
    if (!same && moved !== undefined && processAlive(moved.pid)) {
      try {
        linkSync(aside, this.path);
      } catch {
        // A third process holds the lock by now; the one we moved lost it.
      }
    }
    rmSync(aside, { force: true });
  }

  get held(): boolean {
    return this.#held;
  }

  /** Releases the lock (idempotent; safe in an exit handler). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const owner = readOwner(this.path);
    if (owner === undefined || (owner.pid === process.pid && owner.host === hostname())) rmSync(this.path, { force: true });
  }
}
