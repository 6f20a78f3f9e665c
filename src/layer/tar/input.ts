/**
 * The input of the tar reader: bytes, async iterables and web streams as one async sequence of
 * chunks, gunzipped when they start with the gzip magic. Browser-safe: gzip goes through the
 * web-standard `DecompressionStream`.
 */
import { errorMessage, formatError } from './errors.js';

export type TarInput = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** The input's bytes, decompressed if they are gzip. */
export function tarBytes(input: TarInput): AsyncGenerator<Uint8Array> {
  return gunzipIfNeeded(byteChunks(input));
}

async function* byteChunks(input: TarInput): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    yield input;
    return;
  }
  if (isReadableStream(input)) {
    // A reader rather than `for await`: not every browser makes ReadableStream async-iterable.
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      // Stopping early (a format error) cancels the source; a finished stream ignores this.
      reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  yield* input;
}

function isReadableStream(input: TarInput): input is ReadableStream<Uint8Array> {
  return typeof (input as Partial<ReadableStream<Uint8Array>>).getReader === 'function';
}

/** Decompresses when the data starts with the gzip magic `1f 8b` (RFC 1952 §2.3.1). */
async function* gunzipIfNeeded(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  // Look at the first four bytes, which may arrive in separate chunks.
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 4) {
    const next = await chunks.next();
    if (next.done === true) break;
    if (next.value.length === 0) continue;
    head.push(next.value);
    headLength += next.value.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    yield* chunks;
  }
  if (startsWith(head, [0x1f, 0x8b])) {
    yield* gunzip(replay());
    return;
  }
  // OCI allows `+zstd` layers (RFC 8878 magic 28 b5 2f fd), but no web-standard
  // decompressor handles zstd yet.
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) {
    await chunks.return(undefined);
    throw formatError('zstd-compressed layers are not supported; decompress the layer first');
  }
  yield* replay();
}

/** The first chunks begin with `magic` (as far as they go). */
function startsWith(head: readonly Uint8Array[], magic: readonly number[]): boolean {
  let i = 0;
  for (const chunk of head) {
    for (const byte of chunk) {
      if (i === magic.length) return true;
      if (byte !== magic[i++]) return false;
    }
  }
  return i === magic.length;
}

async function* gunzip(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  let sourceError: { error: unknown } | undefined;
  // Feed and drain at once: a write waits while its output is unread (backpressure).
  const feeding = (async () => {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        sourceError = { error };
        await writer.abort(error).catch(() => undefined);
        return;
      }
      try {
        if (next.done === true) {
          await writer.close();
          return;
        }
        // The DOM typings want an ArrayBuffer-backed view; the decompressor only reads it.
        await writer.write(next.value as Uint8Array<ArrayBuffer>);
      } catch {
        // The decompressor failed or was cancelled; the reading side reports why.
        await chunks.return(undefined);
        return;
      }
    }
  })();
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (sourceError !== undefined) throw sourceError.error;
        throw formatError(`gzip data is corrupt or truncated (${errorMessage(error)})`);
      }
      if (result.done) break;
      yield result.value;
    }
  } finally {
    // Stopping early cancels the decompressor, which ends the feeder at its next write. It is
    // not awaited: a stalled source could keep it waiting forever, and it never rejects.
    await reader.cancel().catch(() => undefined);
    void feeding;
  }
}

