/**
 * Layer blobs are stored gzip-compressed (`application/vnd.oci.image.layer.v1.tar+gzip`). How
 * to compress is a capability the caller may inject: the default uses the web-standard
 * `CompressionStream` (browsers, Node 20); the disk store passes Node's zlib, which writes the
 * same bytes synchronously.
 */
import { DomainError } from '../errors/index.js';
import { isGzip, isZstd } from '../image/index.js';

export interface LayerCompression {
  /** Compresses a tar, given whole or as the chunks of its bytes in order. */
  gzip(tar: Uint8Array | Iterable<Uint8Array>): Promise<Uint8Array> | Uint8Array;
  /** Decompresses gzip data; throws on corrupt input (the caller adds context). */
  gunzip(blob: Uint8Array): Promise<Uint8Array> | Uint8Array;
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
};

/** The uncompressed tar of a layer blob, whatever its compression (gzip or none). */
export async function uncompressedTar(compression: LayerCompression, bytes: Uint8Array, what = 'layer'): Promise<Uint8Array> {
  if (isZstd(bytes)) throw new DomainError('ImageFormatError', `${what} is zstd-compressed, which is not supported`, { what });
  if (!isGzip(bytes)) return bytes;
  try {
    return await compression.gunzip(bytes);
  } catch (error) {
    throw new DomainError('LayerFormatError', `${what}: gzip data is corrupt (${(error as Error).message})`, { what });
  }
}
