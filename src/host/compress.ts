import { gunzipSync, gzipSync, constants } from 'node:zlib';
import { DomainError } from '../errors/index.js';
import { isGzip, isZstd } from '../image/index.js';
import type { LayerCompression } from '../store/index.js';

/**
 * gzip as layer blobs use it. Node's zlib writes no file name and a zero mtime in the gzip
 * header, so the same tar always compresses to the same blob on one zlib version.
 */
export function gzip(bytes: Uint8Array): Uint8Array {
  const out = gzipSync(bytes, { level: constants.Z_DEFAULT_COMPRESSION });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The uncompressed tar of a layer blob, whatever its compression (gzip or none). */
export function uncompressed(bytes: Uint8Array, what = 'layer'): Uint8Array {
  if (isZstd(bytes)) throw new DomainError('ImageFormatError', `${what} is zstd-compressed, which is not supported`, { what });
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (error) {
    throw new DomainError('LayerFormatError', `${what}: gzip data is corrupt (${(error as Error).message})`, { what });
  }
}

/** Node's zlib as the store's layer compression: the same bytes as `CompressionStream`, synchronously. */
export const nodeCompression: LayerCompression = {
  gzip,
  gunzip(blob: Uint8Array): Uint8Array {
    const out = gunzipSync(blob);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
};
