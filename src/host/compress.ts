import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Gunzip, Gzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { DomainError } from '../errors/index.js';
import { isGzip, isZstd } from '../image/index.js';
import type { LayerCompression } from '../store/index.js';
import { inPieces } from './atomic.js';
import { nodeZlib } from './lazyModules.js';
import { parallelGzip } from './parallelGzip.js';

/** Bytes handed to zlib at a time: small enough that the event loop (and Ctrl-C) gets a turn often. */
const CHUNK = 1 << 20;

/**
 * Runs `bytes` through a zlib stream in chunks. The work happens on libuv's thread pool, so the
 * main thread stays free to handle signals (src/cli/main.ts). Deflate's output does not depend
 * on how its input is split (nothing is flushed before the end), so this writes the same bytes
 * as `gzipSync` with the same options (test/unit/host/compress.test.ts).
 */
function throughZlib(engine: Gzip | Gunzip, input: Uint8Array | Iterable<Uint8Array>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let size = 0;
    engine.on('data', (chunk: Buffer) => {
      out.push(chunk);
      size += chunk.length;
    });
    engine.once('error', reject);
    engine.once('end', () => {
      const whole = out.length === 1 ? out[0]! : Buffer.concat(out, size);
      resolve(new Uint8Array(whole.buffer, whole.byteOffset, whole.length));
    });
    // Pieces are taken one at a time: a tar given as chunks is encoded only as zlib consumes it.
    void (async () => {
      try {
        for await (const piece of inPieces(input instanceof Uint8Array ? [input] : input, CHUNK)) {
          if (!engine.write(piece)) await once(engine, 'drain');
        }
        engine.end();
      } catch (error) {
        engine.destroy(error as Error);
      }
    })();
  });
}

/**
 * gzip as layer blobs use it. Node's zlib writes no file name and a zero mtime in the gzip
 * header, so the same tar always compresses to the same blob on one zlib version.
 */
export function gzip(tar: Uint8Array | Iterable<Uint8Array>): Promise<Uint8Array> {
  return throughZlib(nodeZlib().createGzip({ level: nodeZlib().constants.Z_DEFAULT_COMPRESSION }), tar);
}

function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return throughZlib(nodeZlib().createGunzip(), bytes);
}

function checkCompression(bytes: Uint8Array, what: string): void {
  if (isZstd(bytes)) throw new DomainError('ImageFormatError', `${what} is zstd-compressed, which is not supported`, { what });
}

function corrupt(what: string, error: unknown): DomainError {
  return new DomainError('LayerFormatError', `${what}: gzip data is corrupt (${(error as Error).message})`, { what });
}

/** The uncompressed tar of a layer blob, whatever its compression (gzip or none). */
export function uncompressed(bytes: Uint8Array, what = 'layer'): Uint8Array {
  checkCompression(bytes, what);
  if (!isGzip(bytes)) return bytes;
  try {
    const out = nodeZlib().gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (error) {
    throw corrupt(what, error);
  }
}

/**
 * Chunks through a zlib stream as they are pulled: the source is read only as fast as zlib
 * takes it, and at most a few of zlib's 16 KiB output chunks wait for the consumer.
 */
async function* zlibStream(engine: Gzip | Gunzip, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const source = Readable.from(chunks, { objectMode: false, highWaterMark: CHUNK });
  source.once('error', (error) => engine.destroy(error));
  source.pipe(engine);
  try {
    for await (const out of engine) {
      const buffer = out as Buffer;
      yield new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    }
  } finally {
    source.destroy();
    engine.destroy();
  }
}

/** zstd decompression by zlib, where this Node has it (22.15 and later); Node 20 has none. */
export function nativeUnzstd(): ((chunks: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>) | undefined {
  const create = (nodeZlib() as unknown as { createZstdDecompress?: (options: { chunkSize: number }) => Gunzip }).createZstdDecompress;
  return typeof create === 'function' ? (chunks) => zlibStream(create({ chunkSize: CHUNK }), chunks) : undefined;
}

/**
 * zstd decompression: zlib's where this Node has it, else the pure-JS fzstd (a native addon
 * would download binaries at install; issue 15, "Media types").
 */
export function unzstdStream(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return (nativeUnzstd() ?? pureJsUnzstd)(chunks);
}

async function* pureJsUnzstd(compressed: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let out: Uint8Array[] = [];
  const stream = new Decompress((chunk) => void out.push(chunk));
  for await (const chunk of compressed) {
    stream.push(chunk);
    const ready = out;
    out = [];
    yield* ready;
  }
  stream.push(new Uint8Array(0), true);
  yield* out;
}

/**
 * Node's zlib as the store's layer compression, off the main thread: layers are compressed on
 * every core (parallelGzip.ts), and decompressed with 1 MiB output chunks (zlib's default of
 * 16 KiB makes gunzip of a 200 MB blob take twice as long). zstd blobs are read too.
 */
export const nodeCompression: LayerCompression = {
  gzip,
  gunzip,
  gzipStream: (chunks) => parallelGzip(chunks),
  gunzipStream: (chunks) => zlibStream(nodeZlib().createGunzip({ chunkSize: CHUNK }), chunks),
  unzstdStream,
};
