/**
 * What this process added to a store since its last document write, so that an interrupted
 * command (Ctrl-C, SIGTERM) can leave the store as it found it.
 *
 * Every file of the disk store is written whole and renamed into place in one synchronous call
 * (atomic.ts), and a signal handler runs only between such calls, so at that moment the store
 * holds only complete files. Blobs and layer caches written since the last `index.json` (or
 * container) write are named by no document: the crash-safety order in ImageStore.ts writes
 * them first. Deleting them, and this process's temporary files, undoes the interrupted work.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../errors/index.js';

export class WriteJournal {
  readonly #tmpDir: string;
  /** Files this process created that no document names yet. */
  readonly #created = new Set<string>();

  /**
   * The journal of a reader, which shares the store with other readers (readWriteLock.ts): it
   * may add layer caches (each replaced whole, the same bytes whoever writes them) and nothing
   * else.
   */
  readonly readOnly: boolean;

  constructor(tmpDir: string, options: { readOnly?: boolean } = {}) {
    this.#tmpDir = tmpDir;
    this.readOnly = options.readOnly ?? false;
  }

  /** Throws when this is a reader's journal: `what` would change the store under other readers. */
  permit(what: string): void {
    if (this.readOnly) throw new DomainError('StoreReadOnlyError', `${what}: the store was opened for reading only`, { what });
  }

  /** A new file (a blob or a layer cache) now exists at `path`. */
  created(path: string): void {
    this.#created.add(path);
  }

  /** A document was written: what was created before it may be named by it and must stay. */
  settle(): void {
    this.#created.clear();
  }

  /** Deletes the files created since the last `settle`, and this process's temporary files. */
  undo(): void {
    for (const path of this.#created) rmSync(path, { force: true });
    this.#created.clear();
    let names: string[];
    try {
      names = readdirSync(this.#tmpDir);
    } catch {
      return;
    }
    // Temporary names carry the writer's pid (atomic.ts tempName).
    const mine = `.${process.pid}.`;
    for (const name of names) if (name.includes(mine)) rmSync(join(this.#tmpDir, name), { force: true, recursive: true });
  }
}
