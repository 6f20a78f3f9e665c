/**
 * File data read from a tar stream, kept as the views it arrived in: a member's data spans
 * several chunks of a streamed (or gunzipped) tar, and joining them would copy every byte again.
 */
import type { Content } from '../Content.js';

export class ChunkedContent implements Content {
  readonly size: number;
  readonly #chunks: readonly Uint8Array[];
  /** `#starts[i]`: offset of chunk `i` in the data. */
  readonly #starts: readonly number[];

  /** `chunks`: non-empty views, never written to afterwards (the reader's own, see parseTar.ts). */
  constructor(chunks: readonly Uint8Array[]) {
    const starts: number[] = [];
    let size = 0;
    for (const chunk of chunks) {
      starts.push(size);
      size += chunk.length;
    }
    this.#chunks = chunks;
    this.#starts = starts;
    this.size = size;
  }

  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(offset, this.size));
    const end = Math.max(start, Math.min(offset + length, this.size));
    if (end === start) return new Uint8Array(0);
    let i = this.#chunkAt(start);
    const first = this.#chunks[i]!;
    const firstStart = this.#starts[i]!;
    // Within one chunk: a view, like BytesContent.read.
    if (end <= firstStart + first.length) return first.subarray(start - firstStart, end - firstStart);
    const out = new Uint8Array(end - start);
    for (let pos = start; pos < end; i++) {
      const chunk = this.#chunks[i]!;
      const from = pos - this.#starts[i]!;
      const piece = chunk.subarray(from, Math.min(chunk.length, from + end - pos));
      out.set(piece, pos - start);
      pos += piece.length;
    }
    return out;
  }

  chunks(): Iterable<Uint8Array> {
    return this.#chunks;
  }

  /** Index of the chunk holding byte `offset` (< size): binary search over the starts. */
  #chunkAt(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
