import type { Engine } from '../engine/index.js';
import { constants } from './constants.js';
import { createFs, type SyncFs } from './createFs.js';
import { Dir } from './Dir.js';
import { Dirent, Stats } from './Stats.js';

type Fn = (...args: never[]) => unknown;
type Callback = (err: Error | null, value?: unknown) => void;

/** The async names Node gives each sync call (`statSync` → `stat`). */
type AsyncName<K> = K extends `${infer Base}Sync` ? Base : never;

export type CallbackFs = {
  [K in keyof SyncFs as AsyncName<K>]: (...args: unknown[]) => void;
};

export type PromisesFs = {
  [K in keyof SyncFs as Exclude<AsyncName<K>, 'exists' | 'open'>]: SyncFs[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
} & { open(path: string, flags?: string | number, mode?: number): Promise<FileHandle> };

/** A promise-based open file, like Node's `FileHandle` (the calls tests and tools use). */
export class FileHandle {
  readonly fd: number;
  readonly #fs: SyncFs;

  constructor(fd: number, fs: SyncFs) {
    this.fd = fd;
    this.#fs = fs;
  }
  async read(buffer: Uint8Array, offset = 0, length = buffer.length - offset, position: number | null = null): Promise<{ bytesRead: number; buffer: Uint8Array }> {
    return { bytesRead: this.#fs.readSync(this.fd, buffer, offset, length, position), buffer };
  }
  async write(data: Uint8Array | string, offset?: number, length?: number, position?: number | null): Promise<{ bytesWritten: number }> {
    return { bytesWritten: this.#fs.writeSync(this.fd, data, offset, length, position) };
  }
  async readFile(options?: Parameters<SyncFs['readFileSync']>[1]): Promise<Uint8Array | string> {
    return this.#fs.readFileSync(this.fd, options);
  }
  async writeFile(data: Uint8Array | string): Promise<void> {
    this.#fs.writeFileSync(this.fd, data);
  }
  async stat(): Promise<Stats> {
    return this.#fs.fstatSync(this.fd);
  }
  async truncate(len = 0): Promise<void> {
    this.#fs.ftruncateSync(this.fd, len);
  }
  async appendFile(data: Uint8Array | string): Promise<void> {
    this.#fs.appendFileSync(this.fd, data);
  }
  async readv(buffers: readonly ArrayBufferView[], position?: number | null): Promise<{ bytesRead: number; buffers: readonly ArrayBufferView[] }> {
    return { bytesRead: this.#fs.readvSync(this.fd, buffers, position), buffers };
  }
  async writev(buffers: readonly ArrayBufferView[], position?: number | null): Promise<{ bytesWritten: number; buffers: readonly ArrayBufferView[] }> {
    return { bytesWritten: this.#fs.writevSync(this.fd, buffers, position), buffers };
  }
  async chmod(mode: number | string): Promise<void> {
    this.#fs.fchmodSync(this.fd, mode);
  }
  async chown(uid: number, gid: number): Promise<void> {
    this.#fs.fchownSync(this.fd, uid, gid);
  }
  async utimes(atime: number | string | Date, mtime: number | string | Date): Promise<void> {
    this.#fs.futimesSync(this.fd, atime, mtime);
  }
  async sync(): Promise<void> {
    this.#fs.fsyncSync(this.fd);
  }
  async datasync(): Promise<void> {
    this.#fs.fdatasyncSync(this.fd);
  }
  async close(): Promise<void> {
    this.#fs.closeSync(this.fd);
  }
}

export type OverlayFs = SyncFs &
  CallbackFs & {
    promises: PromisesFs;
    constants: typeof constants;
    Stats: typeof Stats;
    Dirent: typeof Dirent;
    Dir: typeof Dir;
  };

/**
 * The Node-`fs`-compatible object: the sync calls, plus callback and promise forms that wrap
 * the same sync core (memfs does the same) rather than re-implementing it.
 */
export function createOverlayFs(engine: Engine): OverlayFs {
  const { sync } = createFs(engine);
  const callbacks: Record<string, Fn> = {};
  const promises: Record<string, Fn> = {};
  for (const [name, fn] of Object.entries(sync) as [string, Fn][]) {
    if (!name.endsWith('Sync')) continue;
    const base = name.slice(0, -4);
    callbacks[base] = (...args: unknown[]): void => {
      const cb = args.pop();
      if (typeof cb !== 'function') throw new TypeError(`The "cb" argument of ${base} must be a function`);
      let result: unknown;
      try {
        result = (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        queueMicrotask(() => (cb as Callback)(err as Error));
        return;
      }
      // fs.exists is the one callback without an error argument.
      queueMicrotask(() => (base === 'exists' ? (cb as (v: unknown) => void)(result) : (cb as Callback)(null, result)));
    };
    if (base !== 'exists') {
      promises[base] = async (...args: unknown[]): Promise<unknown> => (fn as (...a: unknown[]) => unknown)(...args);
    }
  }
  promises['open'] = async (path: string, flags?: string | number, mode?: number): Promise<FileHandle> => new FileHandle(sync.openSync(path, flags, mode), sync);
  return { ...sync, ...callbacks, promises, constants, Stats, Dirent, Dir } as unknown as OverlayFs;
}
