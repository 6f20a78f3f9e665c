import { isDigest, sha256Digest } from '../digest/index.js';
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
}
