import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DiskStore, createProgress, type Progress, type StoreOptions } from '../host/index.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

export type Args = Record<string, unknown> & { _: (string | number)[] };

/** The CLI's entry point, `run` in run.ts, handed to commands that run other command lines. */
export type CliRunner = (argv: readonly string[], io: Io) => Promise<number>;

export const DEFAULT_STORE = '.overlay';

/** Stands for a lone `-` argument while yargs parses (see `run`). */
export const STDIN_ARG = '\u0000-';

const unmark = (value: string): string => (value === STDIN_ARG ? '-' : value);

/**
 * The verbs that only read the store: they share it with each other and wait only for writers
 * (src/host/readWriteLock.ts). Every other verb has the store alone. A verb that writes must
 * not be listed: its writes would throw (StoreReadOnlyError, src/host/journal.ts).
 */
export const READ_VERBS: ReadonlySet<string> = new Set(['images', 'history', 'inspect', 'layers', 'save', 'ps', 'diff', 'export', 'ls', 'cat', 'explain', 'stack', 'df', 'fsck', 'analyze', 'cp', 'push']);

/** Stores open in this process, released by the exit handler if a command is interrupted. */
const openStores = new Set<DiskStore>();

export function releaseOpenStores(): void {
  for (const store of openStores) store.close();
  openStores.clear();
}

/** Undoes the interrupted work of the open stores and releases them (see DiskStore.abandon). */
export function abandonOpenStores(): void {
  for (const store of openStores) store.abandon();
  openStores.clear();
}

/** What a command runs with: its io, its parsed arguments and the shared options. */
export class Context {
  readonly io: Io;
  readonly args: Args;
  readonly verb: string;
  /** The clock for new images and files: SOURCE_DATE_EPOCH (seconds) when set, else now. */
  readonly clock: () => number;
  /** Runs another `overlay` command line in this process (`overlay demo` plays real commands). */
  readonly cli: CliRunner | undefined;

  constructor(io: Io, verb: string, args: Args, cli?: CliRunner) {
    this.io = io;
    this.verb = verb;
    this.args = args;
    this.cli = cli;
    const epoch = io.env['SOURCE_DATE_EPOCH'];
    if (epoch !== undefined && epoch !== '') {
      if (!/^\d+$/.test(epoch)) throw new UsageError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not ${JSON.stringify(epoch)}`);
      const fixed = Number(epoch) * 1000;
      this.clock = () => fixed;
    } else {
      this.clock = Date.now;
    }
  }

  get json(): boolean {
    return this.args['json'] === true;
  }

  /** `--store`, else `OVERLAY_STORE`, else `./.overlay`. */
  storeDir(): string {
    const given = this.args['store'];
    const dir = typeof given === 'string' && given !== '' ? given : (this.io.env['OVERLAY_STORE'] ?? DEFAULT_STORE);
    return resolve(this.io.cwd, dir);
  }

  storeOptions(extra: StoreOptions = {}): StoreOptions {
    const timeout = this.io.env['OVERLAY_LOCK_TIMEOUT'];
    const options: StoreOptions = {
      clock: this.clock,
      command: `overlay ${this.verb}`,
      onLockWait: (owner) => this.io.stderr.write(`overlay: waiting for the store lock held by ${owner === undefined ? 'another process' : `process ${owner.pid}${owner.command === undefined ? '' : ` (${owner.command})`}`}…\n`),
      // On a read-only file system no one writes: nothing to warn about.
      onLockFree: (reason) => {
        if ((reason as NodeJS.ErrnoException).code !== 'EROFS') this.warn(`reading the store without its lock, which could not be taken (${reason.message}); a command writing meanwhile may make this one fail`);
      },
      access: READ_VERBS.has(this.verb) ? 'read' : 'write',
      ...extra,
    };
    if (timeout !== undefined && /^\d+(\.\d+)?$/.test(timeout)) options.lockTimeoutMs = Number(timeout) * 1000;
    options.layerLimits = { maxDataBytes: maxLayerBytes(this.io.env['OVERLAY_MAX_LAYER_SIZE']) };
    // The platform new images declare, as DOCKER_DEFAULT_PLATFORM does for docker: the same
    // digests on every machine (overlay demo sets it).
    const platform = this.io.env['OVERLAY_PLATFORM'];
    if (platform !== undefined && platform !== '' && extra.platform === undefined) {
      const [os, architecture, variant, ...rest] = platform.split('/');
      if (!os || !architecture || variant === '' || rest.length > 0) throw new UsageError(`OVERLAY_PLATFORM must be os/arch[/variant], like linux/amd64, not ${JSON.stringify(platform)}`);
      options.platform = { os, architecture, ...(variant === undefined ? {} : { variant }) };
    }
    return options;
  }

  /** Opens the store, runs `fn`, and always releases the store's lock. */
  async withStore<T>(fn: (store: DiskStore) => Promise<T>, dir = this.storeDir(), extra: StoreOptions = {}): Promise<T> {
    // A mistyped --store would otherwise start a new, empty store without a word (as Docker's
    // data-root is made on first use, it is made here too, but said on stderr).
    const fresh = !existsSync(dir);
    const store = await DiskStore.open(dir, this.storeOptions(extra));
    if (fresh) this.warn(`new store created at ${dir} (there was none; --store or OVERLAY_STORE chooses the store)`);
    openStores.add(store);
    try {
      return await fn(store);
    } finally {
      openStores.delete(store);
      store.close();
    }
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  printJson(value: unknown): void {
    // Two writes: appending the newline would copy the whole text once more (a 4 MB analysis).
    this.io.stdout.write(JSON.stringify(value, null, 2));
    this.io.stdout.write('\n');
  }

  warn(text: string): void {
    this.io.stderr.write(`overlay: ${text}\n`);
  }

  /** A progress bar on stderr, drawn only when stderr is a terminal. */
  progress(label: string, total = 0): Progress {
    return createProgress(this.io.stderr, label, total);
  }

  str(name: string): string {
    const value = this.args[name];
    if (typeof value !== 'string') throw new UsageError(`missing ${name}`);
    return unmark(value);
  }

  optStr(name: string): string | undefined {
    const value = this.args[name];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return unmark(String(value[value.length - 1]));
    return unmark(String(value));
  }

  strs(name: string): string[] {
    const value = this.args[name];
    if (value === undefined) return [];
    // An array positional declared with `default: undefined` (so help shows no `[default: []]`)
    // arrives as `[undefined]` when not given.
    return (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined).map((v) => unmark(String(v)));
  }

  flag(name: string): boolean {
    return this.args[name] === true;
  }
}

/**
 * The most file data a layer entering the store may declare: `OVERLAY_MAX_LAYER_SIZE` (bytes,
 * or with a k, M, G or T suffix, powers of 1024), by default half of this machine's memory, so
 * a tar bomb is refused at its headers (`LayerTooLargeError`) rather than filling the disk.
 */
export function maxLayerBytes(given: string | undefined): number {
  if (given === undefined || given === '') return Math.floor(totalmem() / 2);
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(given.trim());
  if (match === null) throw new UsageError(`OVERLAY_MAX_LAYER_SIZE must be a size like 8G or 500M, not ${JSON.stringify(given)}`);
  const power = ['', 'k', 'm', 'g', 't'].indexOf(match[2]!.toLowerCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
}
