/**
 * Layer blobs are stored gzip-compressed (`application/vnd.oci.image.layer.v1.tar+gzip`). How
 * to compress is a capability the caller may inject: the default uses the web-standard
 * `CompressionStream` (browsers, Node 20); the disk store passes Node's zlib on every core
 * (src/host/parallelGzip.ts), whose bytes differ but whose tar is the same.
 */

export interface LayerCompression {
  /** Compresses a tar, given whole or as the chunks of its bytes in order. */
  gzip(tar: Uint8Array | Iterable<Uint8Array>): Promise<Uint8Array> | Uint8Array;
  /** Decompresses gzip data; throws on corrupt input (the caller adds context). */
  gunzip(blob: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** `gzip` as a stream: output chunks as input chunks are taken, in bounded memory. */
  gzipStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array>;
  /** `gunzip` as a stream; the iteration throws on corrupt input. */
  gunzipStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array>;
  /**
   * zstd decompression as a stream, when the platform has it: a store that has it keeps zstd
   * layer blobs as they come (a pulled image keeps its manifest digest) and reads them back;
   * one without refuses them (the registry client then stores such a layer as gzip).
   */
  unzstdStream?(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
}

/** Chunks through a web `TransformStream`, pulled one at a time (backpressure end to end). */
async function* throughStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, transform: CompressionStream | DecompressionStream): AsyncIterable<Uint8Array> {
  const it = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      const next = await it.next();
      if (next.done === true) controller.close();
      else controller.enqueue(next.value as Uint8Array<ArrayBuffer>);
    },
    async cancel() {
      await it.return?.();
    },
  });
  const reader = source.pipeThrough(transform).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

async function pipe(bytes: Uint8Array | Iterable<Uint8Array>, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const parts = (bytes instanceof Uint8Array ? [bytes] : [...bytes]) as Uint8Array<ArrayBuffer>[];
  const stream = new Blob(parts).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** gzip through `CompressionStream`/`DecompressionStream`. */
export const webCompression: LayerCompression = {
  gzip: (tar) => pipe(tar, new CompressionStream('gzip')),
  gunzip: (blob) => pipe(blob, new DecompressionStream('gzip')),
  gzipStream: (chunks) => throughStream(chunks, new CompressionStream('gzip')),
  gunzipStream: (chunks) => throughStream(chunks, new DecompressionStream('gzip')),
};
