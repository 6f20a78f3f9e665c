/**
 * gzip on every core, the way pigz and Go's pgzip (which umoci uses) do it: the
 * input is cut into 1 MiB blocks, each block is deflated on its own thread of libuv's pool with
 * the last 32 KiB of the block before it as its dictionary, and the raw deflate streams are
 * joined. Every block but the last ends with a sync flush (an empty stored block), so each one
 * ends on a byte boundary and the next can follow; only the last block is final (RFC 1951
 * §3.2.3, BFINAL). The header is the one Node's gzip writes, the trailer the CRC-32 and size of
 * the whole input (RFC 1952 §2.3.1). Any gzip reader reads the result as one member.
 *
 * The output depends only on the input (the blocks are cut at fixed offsets, however the input
 * arrives), so a layer always compresses to the same blob. It is not the byte stream of a
 * one-thread deflate: the dictionary reaches back only 32 KiB at each block boundary, which
 * costs about 0.1% in size.
 */
import { availableParallelism } from 'node:os';
import { GZIP_BLOCK as BLOCK, GZIP_DICTIONARY as DICTIONARY, GZIP_HEADER, GZIP_LEVEL, gzipTrailer } from '../store/index.js';
import { nodeZlib } from './lazyModules.js';

function deflateBlock(input: Uint8Array, dictionary: Uint8Array | undefined, last: boolean): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const options = {
      level: GZIP_LEVEL,
      finishFlush: last ? nodeZlib().constants.Z_FINISH : nodeZlib().constants.Z_SYNC_FLUSH,
      // One output buffer per block: with zlib's 16 KiB default, the main thread would run a
      // callback (and a copy) for every 16 KiB of output.
      chunkSize: BLOCK + DICTIONARY,
      ...(dictionary === undefined ? {} : { dictionary }),
    };
    nodeZlib().deflateRaw(input, options, (error, out) => (error === null ? resolve(new Uint8Array(out.buffer, out.byteOffset, out.length)) : reject(error)));
  });
}

/** The gzip of the chunks, as chunks, with as many blocks in flight as there are cores. */
export async function* parallelGzip(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // Two blocks per core: the main thread keeps encoding while every core deflates.
  const width = 2 * availableParallelism();
  const inFlight: { deflated: Promise<Uint8Array>; block: Uint8Array }[] = [];
  // Blocks whose deflate is done are used again: a 500 MB layer would otherwise allocate (and
  // collect) 500 fresh 1 MiB arrays. A block's tail is copied into the next deflate's
  // dictionary when that deflate starts (zlib's deflateSetDictionary), so it may be reused
  // as soon as its own deflate is done.
  const free: Uint8Array[] = [];
  const take = (): Uint8Array => free.pop() ?? new Uint8Array(BLOCK);
  const next = async (): Promise<Uint8Array> => {
    const { deflated, block: done } = inFlight.shift()!;
    const out = await deflated;
    free.push(done);
    return out;
  };
  let crc = 0;
  let size = 0;
  let block = take();
  let used = 0;
  let previous: Uint8Array | undefined;
  const dispatch = (last: boolean): void => {
    const input = block.subarray(0, used);
    crc = nodeZlib().crc32(input, crc);
    size += used;
    const deflated = deflateBlock(input, previous, last);
    // Awaited in order below; a later block's failure must not go unhandled meanwhile.
    deflated.catch(() => undefined);
    inFlight.push({ deflated, block });
    previous = input.subarray(Math.max(0, used - DICTIONARY));
    block = take();
    used = 0;
  };
  yield GZIP_HEADER;
  for await (const chunk of chunks) {
    for (let pos = 0; pos < chunk.length; ) {
      // A full block goes out only once more input follows it: the last block is the final one.
      if (used === BLOCK) {
        dispatch(false);
        while (inFlight.length >= width) yield await next();
      }
      const n = Math.min(BLOCK - used, chunk.length - pos);
      block.set(chunk.subarray(pos, pos + n), used);
      used += n;
      pos += n;
    }
  }
  dispatch(true);
  while (inFlight.length > 0) yield await next();
  yield gzipTrailer(crc, size);
}
