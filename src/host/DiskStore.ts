/**
 * The store of the `overlay` CLI on disk: the core `Store` over the disk backend (the files
 * of an OCI image layout, see DiskBackend.ts), opened under the store's lock: shared by
 * readers, alone for a writer (readWriteLock.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../image/index.js';
import type { TarLimits } from '../layer/index.js';
import { Store, type StoreOptions as CoreStoreOptions } from '../store/index.js';
import { nodeCompression } from './compress.js';
import { LOCK_FILE, openDiskBackend, type DiskBackend } from './DiskBackend.js';
import type { DiskBlobStore } from './DiskBlobStore.js';
import type { WriteJournal } from './journal.js';
import type { LockOwner } from './lock.js';
import { ReadWriteLock } from './readWriteLock.js';
import { hostPlatform } from './platform.js';

export interface StoreOptions {
  /** Milliseconds since the epoch for creation times and new files (default `Date.now`). */
  clock?: () => number;
  /** Wait at most this long for another process's lock (default 30 s). */
  lockTimeoutMs?: number;
  /** Recorded in the lock file, for whoever has to wait. */
  command?: string;
  onLockWait?: (owner: LockOwner | undefined) => void;
  /**
   * `read` for a command that only reads: it shares the store with other readers and must not
   * change it (its document and blob writes throw); `write` (the default) has the store alone.
   * A store not made yet is opened for writing, as it is made.
   */
  access?: 'read' | 'write';
  /** Called when a reader reads without the lock: the disk had no room for its ticket. */
  onLockFree?: (reason: Error) => void;
  /** Platform new images declare (default: this machine's). */
  platform?: Platform;
  /** Bounds on what a layer tar entering the store may declare (see the core `StoreOptions`). */
  layerLimits?: Partial<TarLimits>;
}

export class DiskStore extends Store {
  readonly dir: string;
  readonly blobs: DiskBlobStore;
  readonly tmpDir: string;
  readonly #lock: ReadWriteLock;
  readonly #journal: WriteJournal;

  private constructor(backend: DiskBackend, lock: ReadWriteLock, options: CoreStoreOptions, images: Awaited<ReturnType<typeof Store.openImages>>) {
    super(backend, images, options);
    this.dir = backend.location;
    this.blobs = backend.blobs;
    this.tmpDir = backend.tmpDir;
    this.#lock = lock;
    this.#journal = backend.journal;
  }

  /** Opens (creating on first use) the store in `dir` and locks it until `close()`. */
  static async open(dir: string, options: StoreOptions = {}): Promise<DiskStore> {
    mkdirSync(dir, { recursive: true });
    const reading = options.access === 'read' && existsSync(join(dir, 'oci-layout'));
    const lockOptions: Parameters<typeof ReadWriteLock.acquire>[1] = { mode: reading ? 'shared' : 'exclusive' };
    if (options.lockTimeoutMs !== undefined) lockOptions.timeoutMs = options.lockTimeoutMs;
    if (options.command !== undefined) lockOptions.command = options.command;
    if (options.onLockWait !== undefined) lockOptions.onWait = options.onLockWait;
    const lock = await ReadWriteLock.acquire(join(dir, LOCK_FILE), lockOptions);
    if (lock.lockFree !== undefined) options.onLockFree?.(lock.lockFree);
    try {
      const backend = openDiskBackend(dir, { readOnly: reading });
      const core: CoreStoreOptions = { platform: options.platform ?? hostPlatform(), compression: nodeCompression };
      if (options.clock !== undefined) core.clock = options.clock;
      if (options.layerLimits !== undefined) core.layerLimits = options.layerLimits;
      return new DiskStore(backend, lock, core, await Store.openImages(backend, core));
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Releases the lock. */
  close(): void {
    this.#lock.release();
  }

  /**
   * Gives up the work in progress (Ctrl-C): deletes the blobs and layer caches written since
   * the last document and this process's temporary files, so the store is as the last
   * completed command left it, then releases the lock. Call it between two store calls (a
   * signal handler is), and do not use the store afterwards.
   */
  abandon(): void {
    if (this.#lock.held) this.#journal.undo();
    this.#lock.release();
  }

  get lockPath(): string {
    return this.#lock.path;
  }
}
