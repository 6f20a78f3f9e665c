/**
 * The store's gzip format, shared by the CLI's parallel gzip (src/host/parallelGzip.ts, zlib on
 * every core) and the page's (src/web/host/gzip.ts, pako): the input cut into 1 MiB blocks at
 * fixed offsets, each raw-deflated at one level with the 32 KiB before it as its dictionary,
 * behind Node's gzip header and before the trailer of the whole input. Both write the same
 * bytes, so a layer has one blob digest wherever it was committed.
 */
export const GZIP_BLOCK = 1 << 20;
/**
 * zlib's fastest level. On the benchmark's 530 MB rootfs tar (README, "Benchmarks") it gives a
 * 235 MB blob for 6.2 s of CPU, where level 6 gives 224 MB for 14 s and umoci's pgzip default
 * 230 MB: a layer is compressed once and read from its pack afterwards, so the time counts more
 * than the last 5%.
 */
export const GZIP_LEVEL = 1;
/** Deflate's window: all of the past a block can refer to. */
export const GZIP_DICTIONARY = 32 * 1024;
/** What Node's gzip writes at level 1: no name, no mtime, XFL 4 (fastest), OS 3 (Unix). */
export const GZIP_HEADER: Uint8Array = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03]);

/** The gzip trailer (RFC 1952 §2.3.1): the CRC-32 and the size modulo 2^32 of the whole input. */
export function gzipTrailer(crc: number, size: number): Uint8Array {
  const trailer = new Uint8Array(8);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, crc >>> 0, true);
  view.setUint32(4, size % 2 ** 32, true);
  return trailer;
}
