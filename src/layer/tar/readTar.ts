// Placeholder signature; the tar codec is being written.
import type { LayerEntryInput } from '../types.js';
export type TarInput = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
export async function readLayerTar(_input: TarInput): Promise<LayerEntryInput[]> {
  throw new Error('not implemented yet');
}
