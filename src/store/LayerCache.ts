/**
 * A layer is read once, when it enters the store: then its index and data pack are written
 * (layerIndex.ts), and every later mount decodes the index and reads file data from the pack
 * only where a command reads or copies up a file. The caches are caches: one missing, cut
 * short, corrupt, of another version or of another layer is rebuilt from the blob, never
 * trusted; `prune` may drop them all.
 *
 * Write order: the pack first, then the index that gives its size, each replaced whole by the
 * backend (on disk: written to tmp/ and renamed). An index is therefore never seen before its
 * pack, and a process killed in between leaves a pack without an index, which the next mount
 * replaces.
 */
import type { BlobStore } from '../image/index.js';
import { Layer } from '../layer/index.js';
import type { LayerCacheStore } from './backend.js';
import { checkLayerIndex, decodeLayerIndex, encodeLayerIndex, type CheckedIndex, type LayerKey } from './layerIndex.js';

/** Counts work done (bytes), e.g. for a progress bar. */
export interface ProgressSink {
  tick(n: number): void;
}

export class LayerCache {
  readonly #caches: LayerCacheStore;
  readonly #blobs: BlobStore;

  constructor(caches: LayerCacheStore, blobs: BlobStore) {
    this.#caches = caches;
    this.#blobs = blobs;
  }

  /** Writes the index and pack of a layer entering the store (as blob `key.blob`). */
  async store(key: LayerKey, layer: Layer): Promise<void> {
    const encoded = encodeLayerIndex(layer, key);
    await this.#caches.write(key.blob, 'pack', encoded.pack());
    await this.#caches.write(key.blob, 'index', [encoded.bytes]);
  }

  /**
   * The stored layer: decoded from its index, with file data read from the pack on demand, or,
   * when the cache is not usable, read from the blob (whose caches are then rewritten).
   */
  async layer(key: LayerKey, progress?: ProgressSink): Promise<Layer> {
    const index = await this.#checkedIndex(key);
    if (index !== undefined) {
      const pack = this.#caches.openPack(key.blob, index.header.packBytes);
      const layer = pack === undefined ? undefined : decodeLayerIndex(index, pack);
      if (layer !== undefined) return layer;
    }
    return this.#rebuild(key, progress);
  }

  /** Bytes of file data of a stored layer (`Layer.size`), from its index header alone. */
  async dataBytes(key: LayerKey): Promise<number> {
    const index = await this.#checkedIndex(key);
    if (index !== undefined) return index.header.dataBytes;
    return (await this.#rebuild(key)).size;
  }

  async #checkedIndex(key: LayerKey): Promise<CheckedIndex | undefined> {
    const bytes = await this.#caches.read(key.blob, 'index');
    return bytes === undefined ? undefined : checkLayerIndex(bytes, key);
  }

  async #rebuild(key: LayerKey, progress?: ProgressSink): Promise<Layer> {
    const blob = await this.#blobs.get(key.blob);
    const layer = await Layer.fromTar(blob);
    progress?.tick(blob.length);
    await this.store(key, layer);
    return layer;
  }

  /** Drops the caches of these blobs, or of every blob; returns the bytes they held. */
  async drop(blobs?: readonly string[]): Promise<number> {
    let bytes = 0;
    for (const blob of blobs ?? (await this.#caches.list())) {
      bytes += await this.#caches.size(blob);
      await this.#caches.delete(blob);
    }
    return bytes;
  }

  /** Caches whose blob is gone (left by a process killed between a gc's two steps). */
  async orphans(stored: readonly string[]): Promise<string[]> {
    const have = new Set(stored);
    return (await this.#caches.list()).filter((blob) => !have.has(blob));
  }

  /** Bytes of every cache (`df`). */
  async bytes(): Promise<number> {
    let total = 0;
    for (const blob of await this.#caches.list()) total += await this.#caches.size(blob);
    return total;
  }
}
