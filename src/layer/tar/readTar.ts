/**
 * Reads an OCI layer tar (plain or gzip) into layer entries (OCI image-spec layer.md). The
 * parsing is tar-stream's (parseTar.ts); EntryCollector.ts adds what makes a tar a layer.
 *
 * Browser-safe: no `node:` imports; gzip goes through the web-standard `DecompressionStream`.
 */
import type { DataSink } from '../Content.js';
import { EntryCollector, type TarEntry } from './EntryCollector.js';
import { tarBytes, type TarInput } from './input.js';
import { parseTar } from './parseTar.js';

export type { TarInput } from './input.js';
export type { TarEntry } from './EntryCollector.js';

/**
 * The entries of a layer tar, one per path, ready for `Layer.fromTar`. File data is not copied:
 * it stays views into the input's bytes (see `TarEntry`), or goes to `sink` when one is given.
 *
 * Throws `DomainError` `UnsafeTarEntryError` for names or hard-link targets that climb out of
 * the layer with `..`, and `LayerFormatError` for anything malformed or truncated. Errors of
 * the input itself (a failing stream) are passed through unchanged.
 */
export async function readLayerTar(input: TarInput, sink?: DataSink): Promise<TarEntry[]> {
  const collector = new EntryCollector();
  await parseTar(tarBytes(input), (header, data) => collector.add(header, data), sink);
  return collector.finish();
}
