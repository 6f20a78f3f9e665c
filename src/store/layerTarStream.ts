/**
 * A stored layer blob as the chunks of its uncompressed tar (`overlay save --format docker`, a
 * cache rebuild), whatever its compression (gzip, zstd when the store decodes it, or none),
 * never whole in memory.
 */
import { DomainError } from '../errors/index.js';
import { isGzip, isZstd } from '../image/index.js';
import type { LayerCompression } from './compression.js';

async function* prepend(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  yield first;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}

/** `blob` (its chunks) uncompressed: gzip is undone, a plain tar passes through, zstd is undone or refused. */
export async function* uncompressedChunks(compression: LayerCompression, blob: AsyncIterable<Uint8Array>, what: string): AsyncIterable<Uint8Array> {
  const it = blob[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) return;
  // The magic numbers are in the first chunk: blob chunks are far bigger than 4 bytes.
  if (isZstd(first.value)) {
    yield* unzstdChecked(compression, prepend(first.value, it), what);
    return;
  }
  if (!isGzip(first.value)) {
    yield* prepend(first.value, it);
    return;
  }
  try {
    yield* compression.gunzipStream(prepend(first.value, it));
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('LayerFormatError', `${what}: gzip data is corrupt (${(error as Error).message})`, { what });
  }
}

/** zstd undone by the store's decoder, its errors as corrupt data; refused when it has none. */
export async function* unzstdChecked(compression: LayerCompression, blob: AsyncIterable<Uint8Array>, what: string): AsyncIterable<Uint8Array> {
  if (compression.unzstdStream === undefined) throw new DomainError('ImageFormatError', `${what} is zstd-compressed, which is not supported`, { what });
  try {
    yield* compression.unzstdStream(blob);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('LayerFormatError', `${what}: zstd data is corrupt (${(error as Error).message})`, { what });
  }
}
