/**
 * A tar read once by two consumers at their own pace: the tar reader, which stops at the
 * end-of-archive marker, and a hash of every byte to the stream's end (the DiffID is the
 * digest of the whole uncompressed stream, image-spec config.md, "rootfs.diff_ids"). The
 * producer reads the stream to its end and hands each chunk to the reader through a `Channel`.
 */
import { DomainError } from '../errors/index.js';
import { RunningDigest } from '../image/index.js';
import { Layer, defaultTarLimits, tarArchive, type TarLimits } from '../layer/index.js';
import type { PackWriter } from './backend.js';

/**
 * A layer tar read into `pack` and hashed whole; throws `DigestMismatchError` when it does not
 * hash to `diffId`. The tar is read to its end, every byte after the end-of-archive marker a
 * zero (framing.ts `toEnd`), as ingest.ts reads a tar whose DiffID is given. The pack is left
 * to the caller (committed or aborted).
 */
export async function readTarAgainstDiffId(tar: AsyncIterable<Uint8Array>, pack: PackWriter, diffId: string, what: string, limits?: Partial<TarLimits>): Promise<{ layer: Layer; tarBytes: number }> {
  const bounds = { ...defaultTarLimits(true), ...limits };
  const hash = new RunningDigest();
  let tarBytes = 0;
  const toParser = new Channel();
  const parsed = Layer.fromTar(toParser.chunks(), { dataSink: pack, limits: bounds });
  parsed.catch((error: unknown) => toParser.fail(error));
  try {
    for await (const chunk of tarArchive(tar, bounds, { withTrailer: true, toEnd: true })) {
      hash.update(chunk);
      tarBytes += chunk.length;
      await toParser.push(chunk);
    }
  } catch (error) {
    toParser.end();
    await parsed.catch(() => undefined);
    throw error;
  }
  toParser.end();
  const layer = await parsed;
  const actual = hash.finish();
  if (actual !== diffId) {
    throw new DomainError('DigestMismatchError', `${what} does not match its DiffID: expected ${diffId}, got ${actual}; \`overlay fsck\` lists the image`, { expected: diffId, actual });
  }
  return { layer, tarBytes };
}

/**
 * One producer handing chunks to one pulling consumer: `push` resolves once the consumer has
 * taken the chunk, so the producer never runs ahead by more than one chunk.
 */
export class Channel {
  #waiting: ((next: IteratorResult<Uint8Array>) => void) | undefined;
  #pending: { chunk: Uint8Array; taken: () => void; failed: (error: unknown) => void } | undefined;
  #ended = false;
  #error: { error: unknown } | undefined;

  /** The consumer stopped taking chunks (the tar reader stops at the end-of-archive marker). */
  #closed = false;

  push(chunk: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error.error);
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting;
      if (waiting !== undefined) {
        this.#waiting = undefined;
        waiting({ done: false, value: chunk });
        resolve();
      } else {
        this.#pending = { chunk, taken: resolve, failed: reject };
      }
    });
  }

  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ done: true, value: undefined });
  }

  /** The consumer is gone (it failed): the producer's pushes fail from now on. */
  fail(error: unknown): void {
    this.#error = { error };
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.failed(error);
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const pending = this.#pending;
        if (pending !== undefined) {
          this.#pending = undefined;
          pending.taken();
          yield pending.chunk;
          continue;
        }
        if (this.#ended) return;
        const next = await new Promise<IteratorResult<Uint8Array>>((resolve) => (this.#waiting = resolve));
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      this.#closed = true;
      this.#pending?.taken();
      this.#pending = undefined;
    }
  }
}
