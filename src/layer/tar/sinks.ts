/**
 * The two sinks of the tar encoder: one hands the bytes on as chunks (`tarChunks`, hence
 * `toTar()`), one hashes them as they come (`tarDigest`, hence the diffId) without ever holding
 * the whole tar.
 */
import { defaultSha256, type Sha256Hasher } from '../../digest/index.js';
import type { LayerTree } from './members.js';
import { writeTar, type TarSink } from './writeTar.js';

/** Read-only zeros for padding and the trailer; no view handed out is ever written to. */
const ZEROS = new Uint8Array(1024);

function zeroBytes(count: number): Uint8Array {
  return count <= ZEROS.length ? ZEROS.subarray(0, count) : new Uint8Array(count);
}

/** Size of the arrays `ChunkSink` carves headers from. */
const SLAB = 64 * 1024;

/**
 * Collects the tar as chunks: headers are views of fresh arrays, file data is the content's own
 * chunks (never copied), padding and the trailer are shared zeros.
 */
export class ChunkSink implements TarSink {
  // Headers are carved out of larger slabs: allocating each 512-byte array on its own costs
  // more than writing it. A slab is never reused, so every header handed out stays valid.
  buffer = new Uint8Array(0);
  #used = 0;
  #chunks: Uint8Array[] = [];

  reserve(length: number): number {
    if (this.#used + length > this.buffer.length) {
      this.buffer = new Uint8Array(Math.max(SLAB, length));
      this.#used = 0;
    }
    const at = this.#used;
    this.#used += length;
    this.#chunks.push(this.buffer.subarray(at, at + length));
    return at;
  }

  data(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
  }

  zeros(count: number): void {
    if (count > 0) this.#chunks.push(zeroBytes(count));
  }

  /** The chunks collected since the last call, in order. */
  take(): Uint8Array[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks;
  }
}

/**
 * Headers and small files are gathered in one buffer before hashing: a hasher call per
 * 512-byte header costs more than hashing it, and layers are often mostly small files.
 */
const BATCH = 256 * 1024;
/** Data chunks from this size on go to the hasher as they are, never copied. */
const COPY_BELOW = 16 * 1024;

/** Hashes the tar as it is written: headers straight into the batch buffer, large data directly. */
export class HashSink implements TarSink {
  buffer = new Uint8Array(BATCH);
  #used = 0;
  readonly #hasher: Sha256Hasher;

  constructor(hasher: Sha256Hasher = defaultSha256().create()) {
    this.#hasher = hasher;
  }

  reserve(length: number): number {
    this.#room(length);
    const at = this.#used;
    this.#used += length;
    return at;
  }

  data(chunk: Uint8Array): void {
    if (chunk.length >= COPY_BELOW) {
      this.#flush();
      this.#hasher.update(chunk);
      return;
    }
    this.#room(chunk.length);
    this.buffer.set(chunk, this.#used);
    this.#used += chunk.length;
  }

  zeros(count: number): void {
    this.#room(count);
    this.buffer.fill(0, this.#used, this.#used + count);
    this.#used += count;
  }

  /** `sha256:<hex>` of everything written. */
  digest(): string {
    this.#flush();
    return `sha256:${this.#hasher.digestHex()}`;
  }

  /** Makes `length` bytes free after `#used`, hashing what the buffer holds if needed. */
  #room(length: number): void {
    if (this.#used + length <= this.buffer.length) return;
    this.#flush();
    // Only a PAX header with huge records outgrows the batch; the buffer grows to hold it.
    if (length > this.buffer.length) this.buffer = new Uint8Array(length);
  }

  #flush(): void {
    if (this.#used > 0) this.#hasher.update(this.buffer.subarray(0, this.#used));
    this.#used = 0;
  }
}

/**
 * The canonical uncompressed tar as chunks, lazily, one layer member at a time. Consumers must
 * treat every chunk as read-only.
 */
export function* tarChunks(layer: LayerTree): Generator<Uint8Array, void, undefined> {
  const sink = new ChunkSink();
  for (const _ of writeTar(layer, sink)) yield* sink.take();
  yield* sink.take();
}

/** `sha256:<hex>` of the bytes `tarChunks(layer)` gives, streamed through the default hasher. */
export function tarDigest(layer: LayerTree): string {
  const sink = new HashSink();
  for (const _ of writeTar(layer, sink));
  return sink.digest();
}
