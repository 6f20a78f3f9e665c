/**
 * A download kept running while its consumer works: the network's chunks (16 to 64 KiB from
 * fetch) regrouped into pieces of about 1 MiB and read up to a few MiB ahead. A pull's store
 * ingest (write the blob, gunzip, hash, parse, write the pack) then takes big pieces at a time,
 * each stage paying its per-call cost once per MiB, and the socket is drained while it works.
 */
import { concatBytes } from '../layer/index.js';

/**
 * Pieces of about `piece` bytes of `chunks`, read at most `ahead` bytes ahead of the consumer.
 * With `recycle`, a piece is the consumer's only until it asks for the next one (a blob writer
 * is done with a chunk once its write resolves, BlobWriter `write`): its buffer is then used
 * for a later piece. A fresh 1 MiB buffer per piece cost a pull about 0.1 s of CPU for 94 MB
 * (page faults and zeroing of new memory, in a CPU profile of `overlay pull`).
 */
export async function* readAhead(chunks: AsyncIterable<Uint8Array>, piece = 1 << 20, ahead = 8 << 20, recycle = false): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  const queue: Uint8Array[] = [];
  /** Buffers of pieces the consumer is done with, and the buffers this function made. */
  const free: Uint8Array[] = [];
  const made = new WeakSet<ArrayBufferLike>();
  const gather = (parts: Uint8Array[], length: number): Uint8Array => {
    if (!recycle || parts.length === 1) return concatBytes(parts);
    const i = free.findIndex((b) => b.length >= length);
    const buffer = i >= 0 ? free.splice(i, 1)[0]! : new Uint8Array(Math.max(length, piece + (piece >> 2)));
    made.add(buffer.buffer);
    let at = 0;
    for (const part of parts) {
      buffer.set(part, at);
      at += part.length;
    }
    return buffer.subarray(0, length);
  };
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (): void => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const producer = (async () => {
    try {
      let parts: Uint8Array[] = [];
      let length = 0;
      for (;;) {
        while (queued >= ahead && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) return;
        const next = await it.next();
        if (next.done !== true) {
          parts.push(next.value);
          length += next.value.length;
        }
        if (length > 0 && (length >= piece || next.done === true)) {
          queue.push(gather(parts, length));
          queued += length;
          parts = [];
          length = 0;
          wake();
        }
        if (next.done === true) return;
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      wake();
    }
  })();
  try {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        queued -= next.length;
        wakeProducer?.();
        wakeProducer = undefined;
        yield next;
        if (recycle && made.has(next.buffer)) free.push(new Uint8Array(next.buffer));
        continue;
      }
      if (failure !== undefined) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    // The consumer stopped (done, or failed): the download stops too and its response is released.
    // A producer waiting on the network is not waited for: its response is released when it wakes.
    stopped = true;
    wakeProducer?.();
    const release = producer.then(() => it.return?.()).then(
      () => undefined,
      () => undefined,
    );
    if (ended) await release;
  }
}
