/**
 * Reads an OCI layer tar (plain or gzip) into layer entries (OCI image-spec layer.md). The
 * parsing is tar-stream's (parseTar.ts), with a fast path for the common subset of headers
 * (fastTar.ts); EntryCollector.ts adds what makes a tar a layer.
 *
 * Browser-safe: no `node:` imports; gzip goes through the web-standard `DecompressionStream`.
 */
import type { DataSink } from '../Content.js';
import { EntryCollector, type TarEntry } from './EntryCollector.js';
import { tarBytes, type TarInput } from './input.js';
import { framedTar, type TarLimits } from './framing.js';
import { parseTarFast } from './fastTar.js';

export type { TarInput } from './input.js';
export type { TarEntry } from './EntryCollector.js';
export type { TarLimits } from './framing.js';

const GiB = 2 ** 30;

/**
 * Default bounds on what a tar may declare. Without a sink, file data stays in memory (views of
 * the input), so the bound is what a process can hold: 2 GiB (a typed array or a Node process's
 * heap is not much larger by default). With a sink the data goes to disk and only the disk is at
 * stake: 64 GiB, more than the largest real layers (CUDA and model layers of tens of GiB), less
 * than a declared size meant to exhaust the disk. Two million members bound the entries kept in
 * memory (a few hundred bytes each). Callers with other needs pass `limits`.
 */
export function defaultTarLimits(withSink: boolean): TarLimits {
  return { maxDataBytes: withSink ? 64 * GiB : 2 * GiB, maxMembers: 2_000_000 };
}

export interface ReadLayerTarOptions {
  /** Where file data goes as it is read (see `LayerOptions.dataSink`). */
  sink?: DataSink;
  /** Bounds on declared sizes and member count; `defaultTarLimits` for what is not given. */
  limits?: Partial<TarLimits>;
}

/**
 * The entries of a layer tar, one per path, ready for `Layer.fromTar`. File data is not copied:
 * it stays views into the input's bytes (see `TarEntry`), or goes to `sink` when one is given.
 *
 * Reading stops at the end-of-archive marker: at most `TRAILING_CHECKED` bytes after it are
 * read, and must be zeros (framing.ts).
 *
 * Throws `DomainError` `UnsafeTarEntryError` for names or hard-link targets that climb out of
 * the layer with `..`, `LayerTooLargeError` when the headers declare more than `limits`, and
 * `LayerFormatError` for anything malformed or truncated (with `data.errno` `ENAMETOOLONG` for
 * a name over NAME_MAX). Errors of the input itself (a failing stream) are passed through.
 */
export async function readLayerTar(input: TarInput, options: ReadLayerTarOptions = {}): Promise<TarEntry[]> {
  const { sink } = options;
  const limits = { ...defaultTarLimits(sink !== undefined), ...options.limits };
  const collector = new EntryCollector();
  await parseTarFast(framedTar(tarBytes(input), limits), (header, data) => collector.add(header, data), sink);
  return collector.finish();
}
