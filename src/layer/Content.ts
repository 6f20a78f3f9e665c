/**
 * Immutable file data. Layers share `Content` objects by reference: copy-up, commit and
 * flatten never copy bytes, and a small write into a huge lower file stores only the touched
 * blocks (`PatchedContent`), the way block-level copy-on-write filesystems do.
 */
import { DomainError } from '../errors/index.js';

export interface Content {
  readonly size: number;
  /** Bytes [offset, offset+length) clipped to the size; may be a view, never to be mutated. */
  read(offset: number, length: number): Uint8Array;
  /** The whole data as a sequence of views, in order, without copying where possible. */
  chunks(): Iterable<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

export class BytesContent implements Content {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(Math.min(offset, this.size), Math.min(offset + length, this.size));
  }
  *chunks(): Iterable<Uint8Array> {
    if (this.bytes.length > 0) yield this.bytes;
  }
}

export const EMPTY_CONTENT: Content = new BytesContent(EMPTY);

/** Block size of block-level copy-on-write: a 1-byte write into a lower file costs one block. */
export const BLOCK_SIZE = 64 * 1024;

/**
 * `base` (of which only the first `baseSize` bytes still count) with some blocks replaced, and
 * a new size. A stored block may be shorter than `BLOCK_SIZE`; bytes that neither a block nor
 * the visible base covers read as zeros (a sparse extension, as after `truncate` to grow).
 */
export class PatchedContent implements Content {
  readonly base: Content;
  readonly baseSize: number;
  readonly blocks: ReadonlyMap<number, Uint8Array>;
  readonly size: number;

  constructor(base: Content, baseSize: number, blocks: ReadonlyMap<number, Uint8Array>, size: number) {
    this.base = base;
    this.baseSize = Math.min(baseSize, base.size);
    this.blocks = blocks;
    this.size = size;
  }

  read(offset: number, length: number): Uint8Array {
    const start = Math.min(offset, this.size);
    const end = Math.min(offset + length, this.size);
    if (end <= start) return EMPTY;
    const first = Math.floor(start / BLOCK_SIZE);
    const last = Math.floor((end - 1) / BLOCK_SIZE);
    if (first === last) return this.blockView(first, start - first * BLOCK_SIZE, end - first * BLOCK_SIZE);
    const out = new Uint8Array(end - start);
    for (let b = first; b <= last; b++) {
      const from = Math.max(start, b * BLOCK_SIZE);
      const to = Math.min(end, (b + 1) * BLOCK_SIZE);
      out.set(this.blockView(b, from - b * BLOCK_SIZE, to - b * BLOCK_SIZE), from - start);
    }
    return out;
  }

  *chunks(): Iterable<Uint8Array> {
    const count = Math.ceil(this.size / BLOCK_SIZE);
    // Runs of untouched blocks come straight from the base in one view.
    let runStart = -1;
    for (let b = 0; b <= count; b++) {
      const patched = b === count || this.blocks.has(b);
      if (!patched && runStart < 0) runStart = b;
      if (patched && runStart >= 0) {
        yield* this.baseRange(runStart * BLOCK_SIZE, Math.min(b * BLOCK_SIZE, this.size));
        runStart = -1;
      }
      if (b < count && this.blocks.has(b)) yield this.blockView(b, 0, Math.min(BLOCK_SIZE, this.size - b * BLOCK_SIZE));
    }
  }

  /** Bytes [from, to) of block `b`, as stored (patched) or from the base; zeros elsewhere. */
  private blockView(b: number, from: number, to: number): Uint8Array {
    const own = this.blocks.get(b);
    const abs = b * BLOCK_SIZE;
    const have = own !== undefined ? own.subarray(from, to) : this.base.read(abs + from, Math.min(to, this.baseSize - abs) - from);
    if (have.length === to - from) return have;
    const out = new Uint8Array(to - from);
    out.set(have);
    return out;
  }

  private *baseRange(from: number, to: number): Iterable<Uint8Array> {
    const have = Math.min(to, this.baseSize);
    if (have > from) yield* sliceChunks(this.base, from, have);
    if (to > Math.max(from, have)) yield new Uint8Array(to - Math.max(from, have));
  }
}

/** Views of bytes [from, to) of `content`, taken from its own chunks without copying. */
function* sliceChunks(content: Content, from: number, to: number): Iterable<Uint8Array> {
  let pos = 0;
  for (const chunk of content.chunks()) {
    const end = pos + chunk.length;
    if (end > from && pos < to) yield chunk.subarray(Math.max(0, from - pos), Math.min(chunk.length, to - pos));
    pos = end;
    if (pos >= to) return;
  }
}

/** The whole data in one array (a copy only when the content is not already one piece). */
export function contentBytes(content: Content): Uint8Array {
  if (content instanceof BytesContent) return content.bytes;
  return content.read(0, content.size);
}

/** The same bytes (the same object, or equal size and bytes). */
export function sameContent(a: Content, b: Content): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  const x = contentBytes(a);
  const y = contentBytes(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The chunks joined into one array (the only chunk itself when there is just one). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** Every chunk of a stream, joined (concatBytes). */
export async function gatherBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return concatBytes(parts);
}

/**
 * Synchronous positioned reads of one byte source (a file of the host, a blob in memory), as
 * `pread(2)` does them: bytes [position, position+length), fewer only at the end of the source.
 */
export interface PositionedReader {
  read(position: number, length: number): Uint8Array;
  /**
   * Optional: fills `buffer` from `position` (fewer bytes only at the end of the source) and
   * returns how many it read, so a scan over many reads allocates one buffer, not one per read.
   */
  readInto?(buffer: Uint8Array, position: number): number;
}

/**
 * Where a tar reader puts file data instead of keeping it in memory (a store's data pack):
 * appended as it arrives, read back by position. File contents then are `RangeContent`s of it.
 */
export interface DataSink extends PositionedReader {
  /** Appends bytes (the sink copies or writes them before returning); returns their offset. */
  append(chunk: Uint8Array): number;
}

/** Largest piece `RangeContent.chunks()` reads at once: big files stream, never load whole. */
const RANGE_CHUNK = 1024 * 1024;

/**
 * `size` bytes at `offset` of a source read on demand: a lazily mounted layer's file costs
 * nothing until a command reads it or copies it up. The source is immutable (a cache file is
 * replaced by rename, never rewritten in place).
 */
export class RangeContent implements Content {
  readonly source: PositionedReader;
  readonly offset: number;
  readonly size: number;

  constructor(source: PositionedReader, offset: number, size: number) {
    this.source = source;
    this.offset = offset;
    this.size = size;
  }

  read(offset: number, length: number): Uint8Array {
    const start = Math.min(Math.max(offset, 0), this.size);
    const end = Math.min(start + Math.max(length, 0), this.size);
    if (end <= start) return EMPTY;
    const bytes = this.source.read(this.offset + start, end - start);
    if (bytes.length !== end - start) {
      // The cache file was cut short under the mount (it is checked by size when opened).
      throw new DomainError('LayerFormatError', `short read of layer data: ${bytes.length} of ${end - start} bytes at ${this.offset + start}`, {
        offset: this.offset + start,
        length: end - start,
      });
    }
    return bytes;
  }

  *chunks(): Iterable<Uint8Array> {
    for (let pos = 0; pos < this.size; pos += RANGE_CHUNK) yield this.read(pos, RANGE_CHUNK);
  }
}
