import { BLOCK_SIZE, BytesContent, EMPTY_CONTENT, PatchedContent, sameContent, type Content } from '../layer/index.js';

/**
 * The data of a file in the writable layer: block-level copy-on-write over the immutable
 * content it was copied up from. Copy-up costs O(1) (no bytes are copied); a write copies only
 * the blocks it touches. `freeze()` hands out an immutable snapshot (for commit) and makes the
 * next write to any block copy it again, so a committed layer never changes.
 */
export class FileData {
  #base: Content;
  #baseSize: number;
  #blocks: Map<number, Uint8Array>;
  /** Blocks this object may mutate in place (not shared with a frozen snapshot). */
  #owned: Set<number>;
  #size: number;
  /** Unchanged since copy-up: the data is still exactly the lower content. */
  #pristine: boolean;

  private constructor(base: Content, baseSize: number, blocks: Map<number, Uint8Array>, size: number) {
    this.#base = base;
    this.#baseSize = baseSize;
    this.#blocks = blocks;
    this.#owned = new Set();
    this.#size = size;
    this.#pristine = true;
  }

  static empty(): FileData {
    return new FileData(EMPTY_CONTENT, 0, new Map(), 0);
  }

  /** Data that reads as `content`, sharing its bytes. */
  static over(content: Content): FileData {
    if (content instanceof PatchedContent) {
      // Keep chains one level deep: reuse the patched content's base and (shared) blocks.
      return new FileData(content.base, content.baseSize, new Map(content.blocks), content.size);
    }
    return new FileData(content, content.size, new Map(), content.size);
  }

  get size(): number {
    return this.#size;
  }

  /** True until the first write or truncate after copy-up. */
  get pristine(): boolean {
    return this.#pristine;
  }

  read(position: number, length: number): Uint8Array {
    return this.view(false).read(position, length);
  }

  write(position: number, bytes: Uint8Array): void {
    this.#pristine = false;
    const end = position + bytes.length;
    if (bytes.length === 0) {
      if (position > this.#size) this.#size = position;
      return;
    }
    if (this.#size === 0 && position === 0 && this.#blocks.size === 0) {
      // Whole-file writes (writeFile, first write after O_TRUNC): one copy, as a new base.
      this.#base = new BytesContent(bytes.slice());
      this.#baseSize = bytes.length;
      this.#size = bytes.length;
      return;
    }
    for (let b = Math.floor(position / BLOCK_SIZE); b * BLOCK_SIZE < end; b++) {
      const blockStart = b * BLOCK_SIZE;
      const from = Math.max(position, blockStart) - blockStart;
      const to = Math.min(end, blockStart + BLOCK_SIZE) - blockStart;
      const block = this.writableBlock(b, to);
      block.set(bytes.subarray(blockStart + from - position, blockStart + to - position), from);
    }
    if (end > this.#size) this.#size = end;
  }

  truncate(size: number): void {
    this.#pristine = false;
    if (size < this.#size) {
      // Bytes past the new end must read as zeros if the file grows again.
      this.#baseSize = Math.min(this.#baseSize, size);
      const lastBlock = Math.floor(size / BLOCK_SIZE);
      for (const b of [...this.#blocks.keys()]) {
        if (b > lastBlock || (b === lastBlock && size % BLOCK_SIZE === 0)) {
          this.#blocks.delete(b);
          this.#owned.delete(b);
        } else if (b === lastBlock) {
          const keep = size - b * BLOCK_SIZE;
          const block = this.#blocks.get(b)!;
          if (block.length > keep) {
            if (this.#owned.has(b)) block.fill(0, keep);
            else {
              this.#blocks.set(b, block.slice(0, keep));
              this.#owned.add(b);
            }
          }
        }
      }
    }
    this.#size = size;
  }

  /** Marks the data as no longer the copied-up original (restored from a changed layer). */
  markChanged(): void {
    this.#pristine = false;
  }

  /** Makes the data read as `content` (shared, not copied), as a fresh whole-file write. */
  replace(content: Content): void {
    const other = FileData.over(content);
    this.#base = other.#base;
    this.#baseSize = other.#baseSize;
    this.#blocks = other.#blocks;
    this.#owned = new Set();
    this.#size = other.#size;
    this.#pristine = false;
  }

  /** Whether the data reads as exactly `content`'s bytes (no copy while nothing was written). */
  sameBytesAs(content: Content): boolean {
    return sameContent(this.view(false), content);
  }

  /** An immutable snapshot of the current data; later writes do not change it. */
  freeze(): Content {
    this.#owned.clear();
    return this.view(true);
  }

  /** The data as `Content`; `stable` copies the block table so later writes cannot reach it. */
  private view(stable: boolean): Content {
    if (this.#blocks.size === 0 && this.#baseSize === this.#base.size && this.#size === this.#base.size) return this.#base;
    return new PatchedContent(this.#base, this.#baseSize, stable ? new Map(this.#blocks) : this.#blocks, this.#size);
  }

  /** Block `b` as an owned array at least `minLength` long, its current bytes copied in. */
  private writableBlock(b: number, minLength: number): Uint8Array {
    let block = this.#blocks.get(b);
    if (block !== undefined && this.#owned.has(b) && block.length >= minLength) return block;
    const blockStart = b * BLOCK_SIZE;
    const current = Math.max(0, Math.min(BLOCK_SIZE, this.#size - blockStart));
    // Grow in powers of two so appends stay amortised O(1) per byte.
    let length = Math.max(minLength, current, block?.length ?? 0);
    length = Math.min(BLOCK_SIZE, 2 ** Math.ceil(Math.log2(Math.max(length, 64))));
    const fresh = new Uint8Array(length);
    if (block !== undefined) fresh.set(block.subarray(0, Math.min(block.length, current)));
    else {
      const fromBase = this.#base.read(blockStart, Math.max(0, Math.min(current, this.#baseSize - blockStart)));
      fresh.set(fromBase);
    }
    this.#blocks.set(b, fresh);
    this.#owned.add(b);
    block = fresh;
    return block;
  }
}
