/**
 * The sinks of the tar encoder: one writes the whole tar into one array of its final size
 * (`encodeTar`, hence `toTar()`), one hands the bytes on as chunks (`tarChunks`), one hashes
 * them as they come (`tarDigest`, hence the diffId) without ever holding the whole tar.
 */
import { DomainError } from '../../errors/index.js';
import { defaultSha256, type Sha256Hasher } from '../../digest/index.js';
import type { Content } from '../Content.js';
import type { LayerTree } from './members.js';
import { tarLength, writeTar, type TarSink } from './writeTar.js';

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
  beginData?: (content: Content) => void;
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
 * Writes the tar into one array allocated at its final size (`tarLength`): headers are encoded
 * in place and every byte of file data is copied once, straight to where it belongs.
 */
export class ArraySink implements TarSink {
  readonly buffer: Uint8Array;
  #used = 0;

  constructor(length: number) {
    this.buffer = new Uint8Array(length);
  }

  /** Bytes the encoder has handed over so far. */
  get length(): number {
    return this.#used;
  }

  reserve(length: number): number {
    const at = this.#used;
    this.#used += length;
    return at;
  }

  data(chunk: Uint8Array): void {
    // A content whose chunks outgrow its declared size is reported by the encoder once the
    // content ends (writeTar.ts writeData); until then its bytes are counted, not written.
    if (this.#used + chunk.length <= this.buffer.length) this.buffer.set(chunk, this.#used);
    this.#used += chunk.length;
  }

  zeros(count: number): void {
    // A fresh array is all zeros already.
    this.#used += count;
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

/** Sees each chunk of file data as the encoder writes it, with the content it belongs to. */
export type FileDataTap = (content: Content, chunk: Uint8Array) => void;

/**
 * The canonical uncompressed tar as chunks, lazily, one layer member at a time. Consumers must
 * treat every chunk as read-only. `onData` sees file data on its way out (a store copies it into
 * its data pack in the same pass).
 */
export function* tarChunks(layer: LayerTree, onData?: FileDataTap): Generator<Uint8Array, void, undefined> {
  const sink = new ChunkSink();
  if (onData !== undefined) {
    let current: Content | undefined;
    sink.beginData = (content) => void (current = content);
    const data = sink.data.bind(sink);
    sink.data = (chunk) => {
      onData(current!, chunk);
      data(chunk);
    };
  }
  for (const _ of writeTar(layer, sink)) yield* sink.take();
  yield* sink.take();
}

/** The canonical uncompressed tar in one new array, each byte written once. */
export function encodeTar(layer: LayerTree): Uint8Array {
  const sink = new ArraySink(tarLength(layer));
  for (const _ of writeTar(layer, sink));
  if (sink.length !== sink.buffer.length) {
    // writeTar checks every content against its size; only a content whose size changes
    // between the two walks gets here.
    const text = `the layer's tar has ${sink.length} bytes, not the ${sink.buffer.length} its members declared`;
    throw new DomainError('LayerFormatError', text, { length: sink.length, declared: sink.buffer.length });
  }
  return sink.buffer;
}

/** `sha256:<hex>` of the bytes `tarChunks(layer)` gives, streamed through the default hasher. */
export function tarDigest(layer: LayerTree): string {
  const sink = new HashSink();
  for (const _ of writeTar(layer, sink));
  return sink.digest();
}
