/**
 * The disk backend of a store: the files of an OCI image layout, with the containers beside
 * it (README, "The store"):
 *
 *   STORE/oci-layout                      {"imageLayoutVersion":"1.0.0"}
 *   STORE/index.json                      one entry per tag (ref name `name:tag`), plus untagged images
 *   STORE/blobs/sha256/<hex>              manifests, configs, gzip layer tars: each stored once
 *   STORE/containers/<id>/container.json  name, image (manifest digest), creation time
 *   STORE/containers/<id>/upper.tar       the base of the container's writable layer, an OCI layer tar
 *   STORE/containers/<id>/upper.<n>.seg   segments appended to it by later saves (store/upperLog.ts)
 *   STORE/cache/layers/<hex>.index|.pack  each layer's index and file data (DiskLayerCache.ts)
 *   STORE/tmp/                            temporary files, renamed into place when complete
 *   STORE/overlay.lock/<n>                tickets of the processes holding or waiting for the store (readWriteLock.ts)
 *
 * Every file is written whole to tmp/ and renamed into place; a container is made in a hidden
 * directory and renamed into place, and removed by renaming it aside first.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../errors/index.js';
import { checkLayoutFile } from '../image/index.js';
import type { ContainerFile, DocumentStore, LayoutDocument, StoreBackend, UpperSegment } from '../store/index.js';
import { mkdirDurable, syncDir, writeFileAtomic } from './atomic.js';
import { removeDeadTemporaries } from './chunkedFiles.js';
import { DiskBlobStore } from './DiskBlobStore.js';
import { DiskLayerCacheStore } from './DiskLayerCache.js';
import { WriteJournal } from './journal.js';
import { nodeFsPromises } from './lazyModules.js';

export const LOCK_FILE = 'overlay.lock';
const CONTAINERS = 'containers';
const TMP = 'tmp';
/** A segment of a writable layer: `upper.<n>.seg`. */
const SEGMENT = /^upper\.([1-9][0-9]{0,15})\.seg$/;
/** Names a fresh store directory may already hold (from an earlier, interrupted first use). */
const OWN_NAMES = new Set(['oci-layout', 'index.json', 'blobs', CONTAINERS, TMP, LOCK_FILE, 'cache']);

function readIfPresent(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class DiskDocumentStore implements DocumentStore {
  readonly dir: string;
  readonly #tmp: string;
  readonly #containers: string;
  readonly #journal: WriteJournal | undefined;

  constructor(dir: string, tmpDir: string, journal?: WriteJournal) {
    this.dir = dir;
    this.#tmp = tmpDir;
    this.#journal = journal;
    this.#containers = join(dir, CONTAINERS);
  }

  async read(name: LayoutDocument): Promise<Uint8Array | undefined> {
    return readIfPresent(join(this.dir, name));
  }

  async write(name: LayoutDocument, bytes: Uint8Array): Promise<void> {
    this.#journal?.permit(`writing ${name}`);
    writeFileAtomic(join(this.dir, name), bytes, this.#tmp);
    this.#journal?.settle();
  }

  async containerIds(): Promise<string[]> {
    return readdirSync(this.#containers)
      .filter((name) => !name.startsWith('.'))
      .sort();
  }

  async readContainer(id: string, file: ContainerFile): Promise<Uint8Array | undefined> {
    // Read off the main thread and not copied: an upper of hundreds of MB read synchronously
    // held off Ctrl-C for over a second (test/e2e/signals.test.ts, the commit case).
    try {
      const bytes = await nodeFsPromises().readFile(join(this.#containers, id, file));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async containerFileSize(id: string, file: ContainerFile): Promise<number | undefined> {
    try {
      return statSync(join(this.#containers, id, file)).size;
    } catch {
      return undefined;
    }
  }

  async createContainer(id: string, record: Uint8Array, upper: Uint8Array): Promise<void> {
    this.#journal?.permit(`creating container ${id}`);
    // Built in a hidden directory and renamed into place: a container exists whole or not at all.
    const staging = join(this.#containers, `.new-${id}`);
    mkdirSync(staging, { recursive: true });
    writeFileAtomic(join(staging, 'container.json'), record, this.#tmp);
    writeFileAtomic(join(staging, 'upper.tar'), upper, this.#tmp);
    renameSync(staging, join(this.#containers, id));
    syncDir(this.#containers);
    this.#journal?.settle();
  }

  async writeUpper(id: string, chunks: Iterable<Uint8Array>): Promise<void> {
    this.#journal?.permit(`writing container ${id}`);
    writeFileAtomic(join(this.#containers, id, 'upper.tar'), chunks, this.#tmp);
  }

  async upperSegments(id: string): Promise<UpperSegment[]> {
    const dir = join(this.#containers, id);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: UpperSegment[] = [];
    for (const name of names) {
      const match = SEGMENT.exec(name);
      if (match !== null) out.push({ seq: Number(match[1]), size: statSync(join(dir, name)).size });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  async readUpperSegment(id: string, seq: number): Promise<Uint8Array | undefined> {
    return readIfPresent(join(this.#containers, id, `upper.${seq}.seg`));
  }

  async appendUpperSegment(id: string, seq: number, chunks: Iterable<Uint8Array>): Promise<void> {
    this.#journal?.permit(`writing container ${id}`);
    writeFileAtomic(join(this.#containers, id, `upper.${seq}.seg`), chunks, this.#tmp);
  }

  async dropUpperSegments(id: string, seqs: readonly number[]): Promise<void> {
    this.#journal?.permit(`writing container ${id}`);
    const dir = join(this.#containers, id);
    for (const seq of seqs) {
      try {
        unlinkSync(join(dir, `upper.${seq}.seg`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    syncDir(dir);
  }

  async removeContainer(id: string): Promise<void> {
    this.#journal?.permit(`removing container ${id}`);
    const trash = join(this.#containers, `.trash-${id}`);
    renameSync(join(this.#containers, id), trash);
    syncDir(this.#containers);
    rmSync(trash, { recursive: true, force: true });
  }
}

/** A store directory as a backend (the caller holds its lock). */
export interface DiskBackend extends StoreBackend {
  blobs: DiskBlobStore;
  documents: DiskDocumentStore;
  caches: DiskLayerCacheStore;
  tmpDir: string;
  /** What was written since the last document, to undo an interrupted command (journal.ts). */
  journal: WriteJournal;
}

/**
 * Opens the directory of a store, making its folders on first use, and clears what processes
 * killed mid-write left behind: temporary files and half-made or half-removed containers.
 * Call it only while holding the store's lock alone: nobody else may be writing then. A
 * reader (`readOnly`, holding the lock shared with other readers) clears only the temporary
 * files of processes that are gone (the others may be other readers' caches being written),
 * best effort (a read-only or full disk leaves them to the next writer), and writes no
 * document, blob or container (WriteJournal.permit).
 */
export function openDiskBackend(dir: string, options: { readOnly?: boolean } = {}): DiskBackend {
  const layout = join(dir, 'oci-layout');
  if (existsSync(layout)) {
    // Refuse a layout of another version before touching anything.
    checkLayoutFile(new Uint8Array(readFileSync(layout)));
  } else {
    const strangers = readdirSync(dir).filter((name) => !OWN_NAMES.has(name));
    if (strangers.length > 0) {
      throw new DomainError('ImageFormatError', `${dir} is not an overlay store (it has no oci-layout file and is not empty)`, { dir });
    }
  }
  const tmpDir = join(dir, TMP);
  const readOnly = options.readOnly ?? false;
  const journal = new WriteJournal(tmpDir, { readOnly });
  const blobs = new DiskBlobStore(dir, tmpDir, journal);
  if (!readOnly) {
    // Created durably: a blob or container renamed into a directory lost at a power cut would
    // be lost with it.
    mkdirDurable(blobs.dir);
    mkdirDurable(join(dir, CONTAINERS));
    rmSync(tmpDir, { recursive: true, force: true });
    for (const name of readdirSync(join(dir, CONTAINERS))) {
      if (name.startsWith('.')) rmSync(join(dir, CONTAINERS, name), { recursive: true, force: true });
    }
  } else {
    try {
      removeDeadTemporaries(tmpDir);
    } catch {
      // A read-only file system: the next writer clears them.
    }
  }
  return {
    blobs,
    documents: new DiskDocumentStore(dir, tmpDir, journal),
    caches: new DiskLayerCacheStore(dir, tmpDir, journal),
    location: dir,
    tmpDir,
    journal,
  };
}
