/**
 * The page's layer compression, byte for byte the CLI's: the same blocks as
 * src/host/parallelGzip.ts (1 MiB blocks at fixed offsets, each deflated at level 1 with the 32
 * KiB before it as its dictionary, every block but the last ending with a sync flush, Node's
 * gzip header, the CRC-32 and size of the whole input), each block deflated by pako 3, which
 * writes the bytes of the zlib Node bundles (pako's README, "Binary-equivalent output"; checked
 * by test/unit/web/gzip.test.ts against parallelGzip). So a layer the page commits gets the
 * blob and manifest digests the CLI gives it; the web `CompressionStream` deflates otherwise.
 * Decompression stays the browser's `DecompressionStream` (any gzip reads the same).
 */
import { gatherBytes } from '../../layer/index.js';
import type { LayerCompression } from '../../store/index.js';
import { GZIP_BLOCK as BLOCK, GZIP_DICTIONARY as DICTIONARY, GZIP_HEADER, GZIP_LEVEL, gzipTrailer, webCompression } from '../../store/index.js';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (RFC 1952 §8), continued from `crc`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** pako, loaded when the page first compresses (the first render does not). */
let pako: Promise<typeof import('pako')> | undefined;

async function deflateBlock(input: Uint8Array, dictionary: Uint8Array | undefined, last: boolean): Promise<Uint8Array[]> {
  const { Deflate, Z_FINISH, Z_SYNC_FLUSH } = await (pako ??= import('pako'));
  const deflate = new Deflate({ level: GZIP_LEVEL, raw: true, chunkSize: BLOCK + DICTIONARY, ...(dictionary === undefined ? {} : { dictionary }) });
  deflate.push(input, last ? Z_FINISH : Z_SYNC_FLUSH);
  if (deflate.err !== 0) throw new Error(`deflate: ${deflate.msg}`);
  // pako joins its output into `result` at Z_FINISH; after a sync flush it is in `chunks`.
  return last ? [deflate.result] : deflate.chunks;
}

/** The gzip of the chunks, as parallelGzip writes it, one block at a time. */
export async function* blockGzip(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let crc = 0;
  let size = 0;
  const block = new Uint8Array(BLOCK);
  let used = 0;
  let previous: Uint8Array | undefined;
  async function* dispatch(last: boolean): AsyncGenerator<Uint8Array> {
    const input = block.subarray(0, used);
    crc = crc32(input, crc);
    size += used;
    yield* await deflateBlock(input, previous, last);
    // A copy: the block is filled again with the next input.
    previous = input.slice(Math.max(0, used - DICTIONARY));
    used = 0;
  }
  yield GZIP_HEADER;
  for await (const chunk of chunks) {
    for (let pos = 0; pos < chunk.length; ) {
      // A full block goes out only once more input follows it: the last block is the final one.
      if (used === BLOCK) yield* dispatch(false);
      const n = Math.min(BLOCK - used, chunk.length - pos);
      block.set(chunk.subarray(pos, pos + n), used);
      used += n;
      pos += n;
    }
  }
  yield* dispatch(true);
  yield gzipTrailer(crc, size);
}

/** The page store's compression: the CLI's gzip bytes, the browser's gunzip. */
export const pageCompression: LayerCompression = {
  gzip: (tar) => gatherBytes(blockGzip(tar instanceof Uint8Array ? [tar] : tar)),
  gunzip: webCompression.gunzip,
  gzipStream: blockGzip,
  gunzipStream: webCompression.gunzipStream,
};
