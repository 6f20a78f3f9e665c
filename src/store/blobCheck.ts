/**
 * Blobs checked against their digests as they are read (issue 10, "Verify digests on read"): a
 * blob file edited or damaged on disk must not be shown, saved or built on under its old name.
 * Small blobs (manifests, configs) are hashed whole when read; layer blobs are hashed as they
 * stream out (save, export, a cache rebuild), and a mismatch ends the stream with an error.
 */
import { sha256Digest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { RunningDigest, type BlobStore } from '../image/index.js';

/** The error for a stored blob whose bytes are not those of its name, saying how to repair it. */
export function damagedBlob(digest: string, actual: string, what = 'blob'): DomainError {
  return new DomainError(
    'DigestMismatchError',
    `${what} ${digest} does not match its digest (its bytes hash to ${actual}): the store is damaged; \`overlay fsck\` lists what to drop`,
    { digest, actual },
  );
}

/** A small blob's bytes, checked against its digest. */
export async function verifiedBlob(blobs: BlobStore, digest: string, what = 'blob'): Promise<Uint8Array> {
  const bytes = await blobs.get(digest);
  const actual = sha256Digest(bytes);
  if (actual !== digest) throw damagedBlob(digest, actual, what);
  return bytes;
}

/**
 * A blob's chunks, hashed as they pass: after the last chunk, a blob whose bytes do not match
 * its digest throws instead of ending (the consumer has seen the bytes, so it must not keep
 * what it made of them).
 */
export function verifiedChunks(blobs: BlobStore, digest: string, what = 'blob'): AsyncIterable<Uint8Array> {
  return new VerifiedBlob(blobs, digest, what).chunks();
}

/**
 * A blob read once with its digest checked, also when the consumer stops early (a tar reader
 * stops at the end-of-archive marker): `chunks()` hands the bytes out, `rest()` reads what the
 * consumer left and checks the digest.
 */
export class VerifiedBlob {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #running = new RunningDigest();
  readonly #digest: string;
  readonly #what: string;
  #ended = false;

  constructor(blobs: BlobStore, digest: string, what = 'blob') {
    this.#source = blobs.chunks(digest)[Symbol.asyncIterator]();
    this.#digest = digest;
    this.#what = what;
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = await this.#next();
      if (chunk === undefined) return;
      yield chunk;
    }
  }

  /** Reads the bytes the consumer did not take, then throws if the blob is not its digest. */
  async rest(): Promise<void> {
    while ((await this.#next()) !== undefined);
  }

  async #next(): Promise<Uint8Array | undefined> {
    if (this.#ended) return undefined;
    const next = await this.#source.next();
    if (next.done !== true) {
      this.#running.update(next.value);
      return next.value;
    }
    this.#ended = true;
    const actual = this.#running.finish();
    if (actual !== this.#digest) throw damagedBlob(this.#digest, actual, this.#what);
    return undefined;
  }
}

/** Whether a stored blob's bytes match its digest (read in chunks); `undefined` when it is missing. */
export async function blobIntact(blobs: BlobStore, digest: string): Promise<boolean | undefined> {
  if (!(await blobs.has(digest))) return undefined;
  const running = new RunningDigest();
  for await (const chunk of blobs.chunks(digest)) running.update(chunk);
  return running.finish() === digest;
}
