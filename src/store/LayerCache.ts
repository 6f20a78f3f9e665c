/**
 * A layer is read once, when it enters the store (or, for a pulled layer, at its first use):
 * then its index and data pack are written (layerIndex.ts), and every later mount decodes the
 * index and reads file data from the pack only where a command reads or copies up a file.
 * The caches are caches: one missing, cut short, corrupt, of another version or of another
 * layer is rebuilt from the blob, never trusted; `prune` may drop them all.
 *
 * Write order: the pack first, then the index that gives its size, each replaced whole by the
 * backend (on disk: written to tmp/ and renamed). An index is therefore never seen before its
 * pack, and a process killed in between leaves a pack without an index, which the next mount
 * replaces.
 */
import { RunningDigest, type BlobStore } from '../image/index.js';
import type { Layer, TarLimits } from '../layer/index.js';
import type { LayerCacheStore } from './backend.js';
import type { LayerCompression } from './compression.js';
import { VerifiedBlob } from './blobCheck.js';
import { uncompressedChunks } from './layerTarStream.js';
import { readTarAgainstDiffId } from './hashedTar.js';
import { placedIn, tapped, type ProgressSink } from './ingest.js';
import { checkLayerIndex, decodeLayerIndex, encodeLayerIndex, layerKeyId, type CheckedIndex, type LayerKey } from './layerIndex.js';

export type { ProgressSink } from './ingest.js';


export class LayerCache {
  readonly #caches: LayerCacheStore;
  readonly #blobs: BlobStore;

  readonly #compression: LayerCompression;
  readonly #limits: Partial<TarLimits> | undefined;

  constructor(caches: LayerCacheStore, blobs: BlobStore, compression: LayerCompression, limits?: Partial<TarLimits>) {
    this.#caches = caches;
    this.#blobs = blobs;
    this.#compression = compression;
    this.#limits = limits;
  }

  /**
   * The stored layer: decoded from its index, with file data read from the pack on demand, or,
   * when the cache is not usable, read from the blob (whose caches are then rewritten).
   */
  async layer(key: LayerKey, progress?: ProgressSink): Promise<Layer> {
    const cached = await this.#cached(key);
    if (cached !== undefined) return cached;
    await this.#rebuild(key, progress);
    const rebuilt = await this.#cached(key);
    if (rebuilt === undefined) throw new Error(`the cache of layer ${key.blob} does not read back after a rebuild`);
    return rebuilt;
  }

  /**
   * Several layers (see `layer`), read side by side: a layer first read here (a pulled one,
   * ImageStore.storePulledBlob) is gunzipped on the thread pool while another is parsed. Each
   * layer once; every read is let finish before the first error is thrown.
   */
  async layers(keys: readonly LayerKey[], progress?: ProgressSink): Promise<Layer[]> {
    const reading = new Map<string, Promise<Layer>>();
    for (const key of keys) {
      const id = layerKeyId(key);
      if (!reading.has(id)) reading.set(id, this.layer(key, progress));
    }
    const settled = await Promise.allSettled(reading.values());
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return Promise.all(keys.map((key) => reading.get(layerKeyId(key))!));
  }

  async #cached(key: LayerKey): Promise<Layer | undefined> {
    const index = await this.#checkedIndex(key);
    if (index === undefined) return undefined;
    const pack = this.#caches.openPack(key.blob, index.header.packBytes);
    return pack === undefined ? undefined : decodeLayerIndex(index, pack);
  }

  /** Bytes of file data of a stored layer (`Layer.size`), from its index header alone. */
  async dataBytes(key: LayerKey): Promise<number> {
    const index = await this.#checkedIndex(key);
    if (index !== undefined) return index.header.dataBytes;
    return (await this.#rebuild(key)).layer.size;
  }

  /** Bytes of a stored layer's uncompressed tar, from its index header alone. */
  async tarBytes(key: LayerKey): Promise<number> {
    const index = await this.#checkedIndex(key);
    if (index !== undefined) return index.header.tarBytes;
    return (await this.#rebuild(key)).tarBytes;
  }

  /**
   * Whether this layer's index is there and names this blob and DiffID: the store writes an
   * index only after the blob met its digest and its tar the DiffID (ingest.ts `finish`,
   * `#rebuild`).
   */
  async describes(key: LayerKey): Promise<boolean> {
    return (await this.#checkedIndex(key)) !== undefined;
  }

  async #checkedIndex(key: LayerKey): Promise<CheckedIndex | undefined> {
    const bytes = await this.#caches.read(key.blob, 'index');
    return bytes === undefined ? undefined : checkLayerIndex(bytes, key);
  }

  /**
   * Reads the blob once, as a stream, its file data going to a new pack: then the pack is kept
   * and the index written (pack first, see above). Returns the layer as read (its files are
   * ranges of a pack writer that is closed by now: read the layer back with `#cached`).
   *
   * This is where a pulled layer's tar is first read (a pull stores the blob alone, checked
   * against its digest: ImageStore.storePulledBlob), so the tar is hashed to its end and must
   * hash to the DiffID the image's config gives: otherwise `DigestMismatchError`, and no cache
   * is written, so every use of the layer is refused the same way.
   */
  async #rebuild(key: LayerKey, progress?: ProgressSink): Promise<{ layer: Layer; tarBytes: number }> {
    const pack = this.#caches.packWriter();
    // The blob is checked against its digest as it is read: a cache is never built from a
    // damaged blob.
    const source = new VerifiedBlob(this.#blobs, key.blob, 'layer');
    const blob = tapped(source.chunks(), (chunk) => progress?.tick(chunk.length));
    let read: { layer: Layer; tarBytes: number };
    try {
      read = await readTarAgainstDiffId(uncompressedChunks(this.#compression, blob, `layer ${key.blob}`), pack, key.diffId, `layer ${key.blob}`, this.#limits);
      await source.rest();
      await pack.commit(key.blob);
    } catch (error) {
      await pack.abort();
      throw error;
    }
    await this.#caches.write(key.blob, 'index', [encodeLayerIndex(read.layer, key, read.tarBytes, placedIn(read.layer, pack)).bytes]);
    return read;
  }

  /**
   * The DiffID of a stored layer blob's tar, for `overlay fsck`: `key.diffId` at once when its
   * index names it (written only after a read that met it, `#rebuild`, ingest.ts `finish`),
   * else the hash of the blob's uncompressed bytes. Throws on a blob that does not decompress.
   */
  async diffIdOf(key: LayerKey): Promise<string> {
    if (await this.describes(key)) return key.diffId;
    const hash = new RunningDigest();
    for await (const chunk of uncompressedChunks(this.#compression, this.#blobs.chunks(key.blob), `layer ${key.blob}`)) hash.update(chunk);
    return hash.finish();
  }

  /** Whether an index is stored for this blob that names another DiffID (or is not usable). */
  async indexDiffers(key: LayerKey): Promise<boolean> {
    const bytes = await this.#caches.read(key.blob, 'index');
    return bytes !== undefined && checkLayerIndex(bytes, key) === undefined;
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
