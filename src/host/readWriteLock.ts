/**
 * The store's lock: readers share it, a writer has it alone, and both are served in the order
 * they came (a writer is not starved by a stream of readers; a reader that comes after a
 * waiting writer waits behind it).
 *
 * It is a directory (`overlay.lock/`) of tickets, one per process holding or waiting. A ticket
 * is a symbolic link named by its number, whose target says who holds it:
 *
 *   overlay.lock/17 -> "w 4242 123456 8c0e4e1a 1f2e3d4c overlay commit"
 *                       mode, pid, start ticks, boot ID (first 8 hex digits), host hash, command
 *
 * symlink(2) creates the name and its content in one step, fails when the number is taken, and
 * a target this short lives in the inode (no data block, as ext4's "fast symlinks" and tmpfs),
 * so a ticket is never seen half-written, even on a full disk. A ticket holds the lock when
 * every ticket below it is compatible: a reader waits only for writers below it, a writer for
 * everyone below it. Dead holders and waiters are reaped by the rules of the exclusive lock
 * (lock.ts, processInfo.ts `processGone`): a ticket whose process is gone is removed by
 * whoever it blocks. The directory is removed by the last one to leave (rmdir(2) fails while
 * it holds a ticket), so `overlay.lock` exists exactly while someone holds or waits.
 *
 * Numbering without a counter: a newcomer takes one more than the highest ticket it sees, and
 * then looks again. Were any ticket above its own, it may have come from a stale look (its
 * number freed and taken again meanwhile): it withdraws and draws again. So a ticket that
 * stays has no ticket above it when it was placed, and everyone who comes later sees it below
 * them: no one is ever overtaken by a smaller number (test/unit/host/readWriteLock.test.ts).
 *
 * A reader that cannot place a ticket at all (no space, no inode, a read-only file system)
 * reads without the lock (`lockFree`): every file of the store is replaced whole by rename and
 * blobs are never changed (atomic.ts), so such a reader can see a state a concurrent writer
 * is changing (and fail, e.g. on a blob just removed), but never a torn file, and it writes
 * nothing that could hurt anyone. A writer that cannot place one fails.
 */
import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, statSync, symlinkSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../errors/index.js';
import { clearStaleLockFile, type LockOwner } from './lock.js';
import { bootId, processGone, processStartTicks } from './processInfo.js';

export type LockMode = 'shared' | 'exclusive';

export interface ReadWriteLockOptions {
  /** `shared` for a reader (default `exclusive`). */
  mode?: LockMode;
  /** How long to wait, in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** What the holder is doing, shown to whoever waits (kept short: it is in the ticket). */
  command?: string;
  /** Called once when the caller starts waiting, with the first ticket it waits for. */
  onWait?: (owner: LockOwner | undefined) => void;
  /** Longest pause between two looks at the queue when no change was signalled (default 100 ms). */
  pollMs?: number;
}

interface Ticket {
  number: number;
  name: string;
  owner: LockOwner | undefined;
  mode: LockMode;
}

/** Errors of a file system with no room for a ticket, or no write access at all. */
const NO_TICKET = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;
/** Targets up to 59 bytes stay in the inode on ext4 (60 bytes of i_block) and tmpfs. */
const INLINE_TARGET = 59;
const TARGET = /^([rw]) (\d+) (\d+|-) ([0-9a-f]{1,8}|-) ([0-9a-f]{8}) ?(.*)$/;

/** FNV-1a of the host name: a ticket of another host (a shared store) is never judged here. */
function hostHash(name = hostname()): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

function ticketTarget(mode: LockMode, command: string | undefined): string {
  const ticks = processStartTicks(process.pid);
  const boot = bootId()?.replace(/-/g, '').slice(0, 8);
  const head = `${mode === 'shared' ? 'r' : 'w'} ${process.pid} ${ticks ?? '-'} ${boot ?? '-'} ${hostHash()}`;
  const room = INLINE_TARGET - head.length - 1;
  return command === undefined || room <= 0 ? head : `${head} ${command.slice(0, room)}`;
}

function readTicket(dir: string, name: string): Ticket | undefined {
  let target: string;
  try {
    target = readlinkSync(join(dir, name));
  } catch {
    return undefined; // gone meanwhile, or not a symlink (not ours)
  }
  const number = Number(name);
  const match = TARGET.exec(target);
  if (match === null) return { number, name, owner: undefined, mode: 'exclusive' };
  const ours = match[5] === hostHash();
  const owner: LockOwner = { pid: Number(match[2]), host: ours ? hostname() : `host ${match[5]}`, started: '' };
  if (match[3] !== '-') owner.startTicks = Number(match[3]);
  if (match[4] !== '-') owner.boot = match[4]!;
  if (match[6] !== '') owner.command = match[6]!;
  return { number, name, owner, mode: match[1] === 'r' ? 'shared' : 'exclusive' };
}

function ticketNames(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^[1-9][0-9]{0,15}$/.test(name));
}

/** Whether a ticket's process is provably gone (a ticket not ours is, once a few seconds old). */
function isDead(dir: string, ticket: Ticket): boolean {
  const { owner } = ticket;
  if (owner === undefined) {
    const st = lstatSync(join(dir, ticket.name), { throwIfNoEntry: false });
    return st !== undefined && Date.now() - st.mtimeMs > 5000;
  }
  if (owner.host !== hostname()) return false;
  const boot = bootId()?.replace(/-/g, '');
  if (owner.boot !== undefined && boot !== undefined && !boot.startsWith(owner.boot)) return true;
  return processGone(owner.pid, owner.startTicks);
}

const isMine = (owner: LockOwner | undefined): boolean =>
  owner !== undefined && owner.pid === process.pid && owner.host === hostname() && owner.startTicks === processStartTicks(process.pid);

function lockedError(path: string, owner: LockOwner | undefined, timeout: number): DomainError {
  const who = owner === undefined ? 'another process' : `process ${owner.pid}${owner.command ? ` (${owner.command})` : ''}`;
  return new DomainError('StoreLockedError', `store is locked by ${who}; gave up after ${Math.round(timeout / 1000)}s (lock ${path})`, { path, owner });
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already reaped or released
  }
}

/** Removes the queue directory when it is empty (the last one out); fails harmlessly otherwise. */
function removeDirIfEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    // ENOTEMPTY: others are in the queue; ENOENT: already removed
    return errno(error) === 'ENOENT';
  }
}

export class ReadWriteLock {
  readonly path: string;
  readonly mode: LockMode;
  /** The ticket's path; `undefined` for a reader without a ticket (`lockFree`) or once released. */
  #ticket: string | undefined;
  /** Why a reader reads without the lock (the error that kept it from placing a ticket). */
  readonly lockFree: Error | undefined;

  private constructor(path: string, mode: LockMode, ticket: string | undefined, lockFree?: Error) {
    this.path = path;
    this.mode = mode;
    this.#ticket = ticket;
    this.lockFree = lockFree;
  }

  /** Takes the lock in `mode`, waiting for the tickets before this one. */
  static async acquire(path: string, options: ReadWriteLockOptions = {}): Promise<ReadWriteLock> {
    const mode = options.mode ?? 'exclusive';
    const timeout = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeout;
    let waiting = false;
    const onWait = (owner: LockOwner | undefined): void => {
      if (!waiting) options.onWait?.(owner);
      waiting = true;
    };
    let placed: { path: string; number: number };
    try {
      placed = await placeTicket(path, ticketTarget(mode, options.command), deadline, timeout, onWait);
    } catch (error) {
      if (mode === 'shared' && NO_TICKET.has(errno(error) ?? '')) return new ReadWriteLock(path, mode, undefined, error as Error);
      throw error;
    }
    const lock = new ReadWriteLock(path, mode, placed.path);
    try {
      await lock.#waitTurn(placed.number, deadline, timeout, onWait, options.pollMs ?? 100);
    } catch (error) {
      lock.release();
      throw error;
    }
    return lock;
  }

  /**
   * Waits until no ticket before ours is in the way. The timeout counts from the last time the
   * queue moved: a long queue that moves is waited through (eight writers before us under load
   * took over 30 s, test/stress/storeStress.mjs), a holder that does not finish is given up on.
   */
  async #waitTurn(number: number, deadline: number, timeout: number, onWait: (owner: LockOwner | undefined) => void, pollMs: number): Promise<void> {
    const changes = new QueueChanges(this.path);
    let before = Infinity;
    try {
      for (let round = 0; ; round++) {
        let tickets = ticketNames(this.path)
          .map((name) => readTicket(this.path, name))
          .filter((t): t is Ticket => t !== undefined && t.number !== number)
          .sort((a, b) => a.number - b.number);
        // Everyone's liveness is looked at once (a dead reader that does not block us would
        // block the next writer, and keep the directory); then only that of those we wait for.
        if (round === 0) {
          const dead = tickets.filter((t) => isDead(this.path, t));
          for (const t of dead) removeQuietly(join(this.path, t.name));
          tickets = tickets.filter((t) => !dead.includes(t));
        }
        const blockers = tickets.filter((t) => t.number < number && (this.mode === 'exclusive' || t.mode === 'exclusive'));
        if (blockers.length === 0) return;
        let reaped = false;
        for (const t of blockers) {
          if (isMine(t.owner)) throw new DomainError('StoreLockedError', `store is already locked by this process (${this.path})`, { path: this.path, owner: t.owner });
          if (isDead(this.path, t)) {
            removeQuietly(join(this.path, t.name));
            reaped = true;
          }
        }
        if (reaped) continue;
        if (blockers.length < before && round > 0) deadline = Date.now() + timeout;
        before = blockers.length;
        const first = blockers[0]!.owner;
        // Said first, even when the time is up at the first look: whoever gives up did wait.
        onWait(first);
        if (Date.now() >= deadline) throw lockedError(this.path, first, timeout);
        await changes.next(Math.min(pollMs, Math.max(1, deadline - Date.now())));
      }
    } finally {
      changes.close();
    }
  }

  /** Whether this process holds a ticket (a lock-free reader holds none). */
  get held(): boolean {
    return this.#ticket !== undefined;
  }

  /** Leaves the queue (idempotent; safe in an exit handler). */
  release(): void {
    if (this.#ticket === undefined) return;
    removeQuietly(this.#ticket);
    this.#ticket = undefined;
    if (removeDirIfEmpty(this.path)) return;
    // Others are in the queue, or only the tickets of killed waiters: those go now.
    try {
      for (const name of ticketNames(this.path)) {
        const t = readTicket(this.path, name);
        if (t !== undefined && isDead(this.path, t)) removeQuietly(join(this.path, name));
      }
    } catch {
      return; // removed meanwhile
    }
    removeDirIfEmpty(this.path);
  }
}

/**
 * Places a ticket one above the highest, and keeps it only when none is above it after (see
 * the module comment). A regular file at `path` is the lock of an older version (lock.ts): it
 * is waited for, or taken over when stale, then removed.
 */
async function placeTicket(dir: string, target: string, deadline: number, timeout: number, onWait: (owner: LockOwner | undefined) => void): Promise<{ path: string; number: number }> {
  for (;;) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
        await clearOldLock(dir, deadline, timeout, onWait);
        continue;
      }
    }
    let names: string[];
    try {
      names = ticketNames(dir);
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') continue; // removed by the last one out
      throw error;
    }
    const number = names.reduce((max, name) => Math.max(max, Number(name)), 0) + 1;
    const path = join(dir, String(number));
    try {
      symlinkSync(target, path);
    } catch (error) {
      const code = errno(error);
      if (code === 'EEXIST' || code === 'ENOENT') continue; // number taken, or directory removed
      if ((code === 'ENOSPC' || code === 'EDQUOT') && target.split(' ').length > 5) {
        // A long command moved the target out of the inode: place the ticket without it.
        target = target.split(' ').slice(0, 5).join(' ');
        continue;
      }
      throw error;
    }
    if (ticketNames(dir).some((name) => Number(name) > number)) {
      removeQuietly(path);
      continue;
    }
    return { path, number };
  }
}

/** Waits for (or takes over) the lock file of an older version at `path` until it is gone. */
async function clearOldLock(path: string, deadline: number, timeout: number, onWait: (owner: LockOwner | undefined) => void): Promise<void> {
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined || st.isDirectory()) return;
    const state = clearStaleLockFile(path);
    if (state === 'gone') return;
    onWait(state.owner);
    if (Date.now() >= deadline) throw lockedError(path, state.owner, timeout);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Wakes a waiter when the queue directory changes (inotify), or after a pause at the latest. */
class QueueChanges {
  #watcher: FSWatcher | undefined;
  #changed = false;
  #wake: (() => void) | undefined;

  constructor(dir: string) {
    try {
      this.#watcher = watch(dir, { persistent: false }, () => {
        this.#changed = true;
        this.#wake?.();
      });
      this.#watcher.on('error', () => this.close());
    } catch {
      this.#watcher = undefined; // no inotify watch left: polling only
    }
  }

  /** Resolves at the next change (or at once if there was one since the last call), or after `ms`. */
  next(ms: number): Promise<void> {
    if (this.#changed) {
      this.#changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = undefined;
        self.#changed = false;
        resolve();
      }
      this.#wake = done;
    });
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
