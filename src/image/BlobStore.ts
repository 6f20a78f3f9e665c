import { defaultSha256, isDigest, sha256Digest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';

/**
 * Content-addressed storage of blobs (`sha256:<hex>` → bytes): the `blobs/` part of an OCI
 * image layout. `put` verifies or computes the digest; a blob is immutable once stored.
 */
export interface BlobStore {
  has(digest: string): Promise<boolean>;
  /** The blob's bytes; `NotFoundError` when absent. */
  get(digest: string): Promise<Uint8Array>;
  /** Stores the bytes (a no-op when already present) and returns their digest. */
  put(bytes: Uint8Array, expectedDigest?: string): Promise<string>;
  /** Removes a blob; `false` when it was not there. */
  delete(digest: string): Promise<boolean>;
  /** Digests of every stored blob. */
  list(): Promise<string[]>;
  /** Stored size in bytes, `undefined` when absent. */
  size(digest: string): Promise<number | undefined>;
  /** The blob's bytes as chunks of bounded size: a big blob is never read whole. */
  chunks(digest: string): AsyncIterable<Uint8Array>;
  /** A writer that takes a new blob in chunks, hashing them as they come (see `BlobWriter`). */
  writer(): BlobWriter;
}

/**
 * A blob arriving in chunks (a layer being compressed, an archive member being copied): held in
 * a temporary place until `commit` names it by its digest, so a reader never sees part of a
 * blob and memory holds only the chunk in flight.
 */
export interface BlobWriter {
  /** Appends bytes; the writer no longer needs them once the promise resolves. */
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
  /**
   * Stores the bytes under their digest, which must be `expected` when given
   * (`DigestMismatchError` otherwise, and nothing is stored); returns the digest.
   */
  commit(expected?: string): Promise<string>;
  /** Drops what was written; safe to call after a commit or twice. */
  abort(): Promise<void>;
}

/** Bytes per chunk when a blob is read in chunks. */
export const BLOB_CHUNK = 1 << 20;

/** Stores a blob given as chunks, through `store.writer()`; aborted on any error. */
export async function putChunks(store: BlobStore, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected?: string): Promise<{ digest: string; size: number }> {
  const writer = store.writer();
  try {
    for await (const chunk of chunks) await writer.write(chunk);
    const digest = await writer.commit(expected);
    return { digest, size: writer.size };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** A digest computed chunk by chunk, checked as `verifiedDigest` checks one. */
export class RunningDigest {
  readonly #hasher = defaultSha256().create();
  #digest: string | undefined;

  update(chunk: Uint8Array): void {
    this.#hasher.update(chunk);
  }

  /** The final digest (only once), checked against `expected`. */
  finish(expected?: string): string {
    this.#digest ??= `sha256:${this.#hasher.digestHex()}`;
    if (expected !== undefined && this.#digest !== expected) {
      throw new DomainError('DigestMismatchError', `content does not match its digest: expected ${expected}, got ${this.#digest}`, { expected, actual: this.#digest });
    }
    return this.#digest;
  }
}

export function checkDigest(digest: string): void {
  if (!isDigest(digest)) throw new DomainError('InvalidArgumentError', `not a sha256 digest: ${digest}`, { digest });
}

/** The digest of `bytes`, checked against what the caller expected. */
export function verifiedDigest(bytes: Uint8Array, expected: string | undefined): string {
  const digest = sha256Digest(bytes);
  if (expected !== undefined && digest !== expected) {
    throw new DomainError('DigestMismatchError', `content does not match its digest: expected ${expected}, got ${digest}`, { expected, actual: digest });
  }
  return digest;
}

export function blobNotFound(digest: string): DomainError {
  return new DomainError('NotFoundError', `blob ${digest} is not in the store`, { digest });
}

/** A `BlobStore` in memory (browsers, tests). */
export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();

  async has(digest: string): Promise<boolean> {
    return this.#blobs.has(digest);
  }

  async get(digest: string): Promise<Uint8Array> {
    const bytes = this.#blobs.get(digest);
    if (bytes === undefined) throw blobNotFound(digest);
    return bytes;
  }

  async put(bytes: Uint8Array, expectedDigest?: string): Promise<string> {
    const digest = verifiedDigest(bytes, expectedDigest);
    if (!this.#blobs.has(digest)) this.#blobs.set(digest, bytes.slice());
    return digest;
  }

  async delete(digest: string): Promise<boolean> {
    return this.#blobs.delete(digest);
  }

  async list(): Promise<string[]> {
    return [...this.#blobs.keys()].sort();
  }

  async size(digest: string): Promise<number | undefined> {
    return this.#blobs.get(digest)?.length;
  }

  async *chunks(digest: string): AsyncIterable<Uint8Array> {
    const bytes = await this.get(digest);
    for (let pos = 0; pos < bytes.length; pos += BLOB_CHUNK) yield bytes.subarray(pos, Math.min(pos + BLOB_CHUNK, bytes.length));
  }

  writer(): BlobWriter {
    const parts: Uint8Array[] = [];
    const digest = new RunningDigest();
    let size = 0;
    const blobs = this.#blobs;
    return {
      get size() {
        return size;
      },
      async write(chunk) {
        digest.update(chunk);
        parts.push(chunk.slice());
        size += chunk.length;
      },
      async commit(expected) {
        const d = digest.finish(expected);
        if (!blobs.has(d)) {
          const bytes = new Uint8Array(size);
          let pos = 0;
          for (const p of parts) {
            bytes.set(p, pos);
            pos += p.length;
          }
          blobs.set(d, bytes);
        }
        parts.length = 0;
        return d;
      },
      async abort() {
        parts.length = 0;
      },
    };
  }
}
