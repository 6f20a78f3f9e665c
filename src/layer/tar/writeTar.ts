// Placeholder signature; the tar codec is being written.
import type { Layer } from '../Layer.js';
export function tarChunks(_layer: Layer): Iterable<Uint8Array> {
  throw new Error('not implemented yet');
}
export function tarDigest(_layer: Layer): string {
  throw new Error('not implemented yet');
}
