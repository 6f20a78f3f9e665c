/**
 * What a store keeps, and where: a backend is a `BlobStore` (the layout's `blobs/sha256/`) and
 * a `DocumentStore` (everything else: `oci-layout`, `index.json`, and each container's record
 * and writable layer). The memory backend keeps them in maps, the disk backend (src/host) in
 * the files of an OCI image layout; a browser backend would keep them in IndexedDB. The store's
 * logic lives above this interface, so every backend passes the same contract tests
 * (test/unit/store/contract.test.ts).
 *
 * Every write replaces a whole document, creates a whole container or adds a whole segment of
 * a writable layer, so a process killed in the middle leaves the old state or the new one,
 * never a torn one.
 */
import type { BlobStore } from '../image/index.js';
import type { PositionedReader } from '../layer/index.js';

/** The two documents at the top of an OCI image layout (image-layout.md). */
export type LayoutDocument = 'oci-layout' | 'index.json' | 'build-cache.json';

/** The two files of a container: its record and its writable layer (an OCI layer tar). */
export type ContainerFile = 'container.json' | 'upper.tar';

/** One segment of a writable layer: its number (applied in ascending order) and its size in bytes. */
export interface UpperSegment {
  seq: number;
  size: number;
}

export interface DocumentStore {
  /** A layout document's bytes; `undefined` when absent. */
  read(name: LayoutDocument): Promise<Uint8Array | undefined>;
  /** Replaces a layout document whole. */
  write(name: LayoutDocument, bytes: Uint8Array): Promise<void>;
  /** The IDs of the stored containers, sorted (some may lack a record: see `readContainer`). */
  containerIds(): Promise<string[]>;
  /** A container file's bytes; `undefined` when absent. */
  readContainer(id: string, file: ContainerFile): Promise<Uint8Array | undefined>;
  /** A container file's size in bytes; `undefined` when absent. */
  containerFileSize(id: string, file: ContainerFile): Promise<number | undefined>;
  /** Creates a container with its record and writable layer: all of it or nothing. */
  createContainer(id: string, record: Uint8Array, upper: Uint8Array): Promise<void>;
  /** Replaces the base of a container's writable layer (`upper.tar`) whole; its segments stay. */
  writeUpper(id: string, chunks: Iterable<Uint8Array>): Promise<void>;
  /**
   * The segments appended to a container's writable layer (src/store/upperLog.ts), by number,
   * ascending, with their sizes.
   */
  upperSegments(id: string): Promise<UpperSegment[]>;
  /** A segment's bytes; `undefined` when absent. */
  readUpperSegment(id: string, seq: number): Promise<Uint8Array | undefined>;
  /** Adds a segment whole (atomically: after a crash it is there complete or not at all). */
  appendUpperSegment(id: string, seq: number, chunks: Iterable<Uint8Array>): Promise<void>;
  /** Removes these segments (after the base was rewritten to include them). */
  dropUpperSegments(id: string, seqs: readonly number[]): Promise<void>;
  /** Removes a container (record and writable layer) at once. */
  removeContainer(id: string): Promise<void>;
}

/** The two files of a layer's cache: its index and its data pack (see layerIndex.ts). */
export type LayerCacheFile = 'index' | 'pack';

/**
 * The data pack of a layer being read into the store: file data is appended as the tar parser
 * hands it out (synchronously, inside its callbacks), read back while the layer is encoded, and
 * kept under the blob's digest once the blob is stored. Until `commit` it is a temporary file
 * no reader of the store sees; it is not read after `commit` or `abort`.
 */
export interface PackWriter extends PositionedReader {
  /** Appends bytes and returns the offset they start at. */
  append(chunk: Uint8Array): number;
  /** Bytes appended so far. */
  readonly size: number;
  /** Keeps the pack as the cache of `blob` (replacing any). */
  commit(blob: string): Promise<void>;
  /** Drops the pack; safe after `commit` and twice. */
  abort(): Promise<void>;
}

/**
 * Caches derived from layer blobs, keyed by the blob's digest: droppable at any time (the
 * store rebuilds what is missing from the blob) and replaced whole, never changed in place, so
 * an open pack always reads the bytes it was opened with.
 */
export interface LayerCacheStore {
  /** A cache file's bytes; `undefined` when absent. */
  read(blob: string, file: LayerCacheFile): Promise<Uint8Array | undefined>;
  /** Replaces a cache file whole (atomically: readers see the old file or the new one). */
  write(blob: string, file: LayerCacheFile, chunks: Iterable<Uint8Array>): Promise<void>;
  /**
   * Positioned reads of a layer's pack, when it is there with exactly `size` bytes; the reads
   * are synchronous (file data is read inside synchronous fs calls of the engine).
   */
  openPack(blob: string, size: number): PositionedReader | undefined;
  /** A new pack, written as a layer enters the store (see `PackWriter`). */
  packWriter(): PackWriter;
  /** The blob digests that have a cache file. */
  list(): Promise<string[]>;
  /** Bytes held for a blob's cache files (0 when none). */
  size(blob: string): Promise<number>;
  /** Drops a blob's cache files. */
  delete(blob: string): Promise<void>;
}

export interface StoreBackend {
  blobs: BlobStore;
  documents: DocumentStore;
  /** Layer indexes and data packs (caches of the layer blobs). */
  caches: LayerCacheStore;
  /** Where the store is, for messages (a directory, `memory`, …). */
  location: string;
}
