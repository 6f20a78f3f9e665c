import type { DirEntryInfo } from '../engine/index.js';
import { Dirent } from './Stats.js';

type DirentCallback = (err: Error | null, dirent?: Dirent | null) => void;
type CloseCallback = (err: Error | null) => void;

function dirClosed(): Error {
  const err = new Error('Directory handle was closed') as Error & { code: string };
  err.code = 'ERR_DIR_CLOSED';
  return err;
}

/**
 * Shaped like Node's `fs.Dir`: entries one at a time, sync, callback, promise or async
 * iteration. The listing is read at the first read and kept, as overlayfs keeps a merged
 * directory's listing in the open file (overlayfs.rst "readdir").
 */
export class Dir {
  readonly path: string;
  readonly #list: () => DirEntryInfo[];
  #entries: DirEntryInfo[] | undefined;
  #next = 0;
  #closed = false;

  constructor(path: string, list: () => DirEntryInfo[]) {
    this.path = path;
    this.#list = list;
  }

  readSync(): Dirent | null {
    if (this.#closed) throw dirClosed();
    this.#entries ??= this.#list();
    const entry = this.#entries[this.#next];
    if (entry === undefined) return null;
    this.#next++;
    return new Dirent(entry.name, this.path, entry.kind);
  }

  read(): Promise<Dirent | null>;
  read(callback: DirentCallback): void;
  read(callback?: DirentCallback): Promise<Dirent | null> | void {
    if (callback === undefined) return new Promise((resolve, reject) => this.read((err, d) => (err === null ? resolve(d ?? null) : reject(err))));
    let dirent: Dirent | null;
    try {
      dirent = this.readSync();
    } catch (err) {
      queueMicrotask(() => callback(err as Error));
      return;
    }
    queueMicrotask(() => callback(null, dirent));
  }

  closeSync(): void {
    if (this.#closed) throw dirClosed();
    this.#closed = true;
  }

  close(): Promise<void>;
  close(callback: CloseCallback): void;
  close(callback?: CloseCallback): Promise<void> | void {
    if (callback === undefined) return new Promise((resolve, reject) => this.close((err) => (err === null ? resolve() : reject(err))));
    let error: Error | null = null;
    try {
      this.closeSync();
    } catch (err) {
      error = err as Error;
    }
    queueMicrotask(() => callback(error));
  }

  /** Every entry, then the directory is closed (as Node's Dir iterator does). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Dirent> {
    try {
      for (let d = this.readSync(); d !== null; d = this.readSync()) yield d;
    } finally {
      if (!this.#closed) this.closeSync();
    }
  }
}
