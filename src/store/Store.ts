/**
 * A store of images and containers over any backend (memory, disk, later IndexedDB): the
 * image layout (`ImageStore`), the containers (`ContainerStore`), and what needs both: Docker's
 * removal rules, garbage collection, disk usage and mounting a container.
 */
import type { Platform, SourceImage, ArchiveFile, ArchiveFormat, Descriptor } from '../image/index.js';
import { mountContainer, nameFromAnnotations, tryCanonicalName } from '../image/index.js';
import type { Layer, TarLimits } from '../layer/index.js';
import type { Overlay } from '../overlay/index.js';
import type { StoreBackend } from './backend.js';
import { buildCacheBlobs, decodeBuildCache, encodeBuildCache, keepUsedEntries, type BuildCacheDocument } from './buildCache.js';
import { ContainerStore, usable } from './ContainerStore.js';
import { webCompression, type LayerCompression } from './compression.js';
import { checkStore, type StoreCheck } from './check.js';
import { diskUsage, type DiskUsage } from './diskUsage.js';
import { countReferences, storeRoots, unreferencedBlobs, type RefCounts } from './gc.js';
import { ImageStore, type AddImageInput, type ProgressSink } from './ImageStore.js';
import type { ContainerRecord, ImageRecord } from './records.js';
import { planImageRemoval, prunableImages } from './rmiPolicy.js';
import { verifiedChunks } from './blobCheck.js';

export interface StoreOptions {
  /** Milliseconds since the epoch for creation times and new files (default `Date.now`). */
  clock?: () => number;
  /** Platform new images declare (default linux/amd64). */
  platform?: Platform;
  /** How layer blobs are gzipped (default: the web-standard `CompressionStream`). */
  compression?: LayerCompression;
  /**
   * Bounds on what a layer tar entering the store may declare (`LayerTooLargeError` beyond
   * them); `defaultTarLimits(true)` for what is not given.
   */
  layerLimits?: Partial<TarLimits>;
}

export interface RemoveImageResult {
  untagged: string[];
  deleted: string[];
  blobs: string[];
  bytes: number;
  /** See `GcResult.heldBy`. */
  heldBy?: string[];
}

export interface GcResult {
  blobs: string[];
  bytes: number;
  /**
   * Set when nothing was deleted because a damaged entry may still name blobs no one can tell
   * (a manifest or container record that does not parse): who holds them (see `Store.check`).
   */
  heldBy?: string[];
}

export class Store {
  readonly platform: Platform;
  readonly #backend: StoreBackend;
  readonly #clock: () => number;
  readonly #images: ImageStore;
  readonly #containers: ContainerStore;
  /** The last change of the build cache's document queued (see `updateBuildCache`). */
  #buildCacheTurn: Promise<void> = Promise.resolve();

  protected constructor(backend: StoreBackend, images: ImageStore, options: StoreOptions) {
    this.#backend = backend;
    this.#images = images;
    this.#containers = new ContainerStore(backend.documents, backend.location);
    this.#clock = options.clock ?? Date.now;
    this.platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  }

  /** Opens the store a backend holds, making an empty image layout on first use. */
  static async openBackend(backend: StoreBackend, options: StoreOptions = {}): Promise<Store> {
    return new Store(backend, await Store.openImages(backend, options), options);
  }

  /** For subclasses that open their backend themselves (the disk store). */
  protected static openImages(backend: StoreBackend, options: StoreOptions): Promise<ImageStore> {
    return ImageStore.open(backend.blobs, backend.documents, backend.caches, options.compression ?? webCompression, backend.location, options.layerLimits);
  }

  now(): number {
    return this.#clock();
  }

  isoNow(): string {
    return new Date(this.#clock()).toISOString();
  }

  // ------------------------------------------------------------------------------- images

  images(): ImageRecord[] {
    return this.#images.list();
  }

  /** `name[:tag]`, an image ID or manifest digest (`sha256:…`), or a unique hex prefix of one. */
  findImage(ref: string): ImageRecord | undefined {
    return this.#images.find(ref);
  }

  resolveImage(ref: string): ImageRecord {
    return this.#images.resolve(ref);
  }

  imageByManifest(digest: string): ImageRecord | undefined {
    return this.#images.byManifest(digest);
  }

  /** The stored blob of a layer with this DiffID, if any image has it. */
  layerBlob(diffId: string): Descriptor | undefined {
    return this.#images.layerBlob(diffId);
  }

  /** An image's layers, base first, each with the history entry that describes it. */
  layers(image: ImageRecord, progress?: ProgressSink): Promise<Layer[]> {
    return this.#images.layers(image, progress);
  }

  /** Bytes of file data of each of an image's layers, base first, read from the layer indexes. */
  layerDataBytes(image: ImageRecord): Promise<number[]> {
    return this.#images.layerDataBytes(image);
  }

  /** Stores a layer tar as given, read once (see ImageStore.storeLayerTar). */
  storeLayerTar(tar: AsyncIterable<Uint8Array>, progress?: ProgressSink): Promise<{ diffId: string; layer: Layer }> {
    return this.#images.storeLayerTar(tar, progress);
  }

  /** Stores a decoded layer in bounded memory; returns its DiffID (see ImageStore.storeLayer). */
  storeLayer(layer: Layer, progress?: ProgressSink): Promise<string> {
    return this.#images.storeLayer(layer, progress);
  }

  /** A layer stored earlier (a build cache entry's), readable and listable by an image again. */
  layerFromBlob(diffId: string, blob: Descriptor): Promise<Layer | undefined> {
    return this.#images.layerFromBlob(diffId, blob);
  }

  /** The build cache's document (src/store/buildCache.ts); empty when there is none. */
  async buildCache(): Promise<BuildCacheDocument> {
    return decodeBuildCache(await this.#backend.documents.read('build-cache.json'));
  }

  /**
   * Changes the build cache's document: read again, changed, and written whole (a disk store
   * writes it to a temporary file and renames it), one change at a time in this process. Other
   * processes are kept out by the store's lock, so two builds that share a store each add their
   * entries instead of writing back what they read at their start
   * (test/unit/build/concurrency.test.ts). `change` returns `undefined` to leave it as it is.
   */
  updateBuildCache(change: (doc: BuildCacheDocument) => BuildCacheDocument | undefined): Promise<void> {
    const turn = this.#buildCacheTurn.then(async () => {
      const doc = change(await this.buildCache());
      if (doc !== undefined) await this.#backend.documents.write('build-cache.json', encodeBuildCache(doc));
    });
    this.#buildCacheTurn = turn.catch(() => {});
    return turn;
  }

  addImage(input: AddImageInput): Promise<ImageRecord> {
    return this.#images.add(input);
  }

  loadImages(sources: readonly SourceImage[], progress?: ProgressSink): Promise<ImageRecord[]> {
    return this.#images.load(sources, progress);
  }

  /** Whether the store has this blob (push and pull decide what to transfer by it). */
  hasBlob(digest: string): Promise<boolean> {
    return this.#backend.blobs.has(digest);
  }

  /** A stored blob's bytes in chunks, checked against its digest as they stream (blobCheck.ts). */
  blobChunks(digest: string, what = 'blob'): AsyncIterable<Uint8Array> {
    return verifiedChunks(this.#backend.blobs, digest, what);
  }

  /** A layer blob from a registry (see ImageStore.storePulledLayer). */
  storePulledLayer(diffId: string, source: AsyncIterable<Uint8Array>, progress?: ProgressSink, digest?: string): Promise<Descriptor> {
    return this.#images.storePulledLayer(diffId, source, progress, digest);
  }

  /** A layer blob from a registry, checked against its digest only (see ImageStore.storePulledBlob). */
  storePulledBlob(diffId: string, source: AsyncIterable<Uint8Array>, blob: Descriptor, progress?: ProgressSink): Promise<Descriptor> {
    return this.#images.storePulledBlob(diffId, source, blob, progress);
  }

  /** A layer blob an interrupted pull stored, when it is still whole (see ImageStore.storedPulledLayer). */
  storedPulledLayer(diffId: string, blob: Descriptor, repair = true): Promise<Descriptor | undefined> {
    return this.#images.storedPulledLayer(diffId, blob, repair);
  }

  /** Whether zstd layer blobs are kept as they come (see ImageStore.storesZstd). */
  get storesZstd(): boolean {
    return this.#images.storesZstd;
  }

  /** A pulled image, its manifest kept when its blobs are (see ImageStore.addPulled). */
  addPulledImage(manifestBytes: Uint8Array, configBytes: Uint8Array, names: readonly string[]): Promise<{ image: ImageRecord; kept: boolean }> {
    return this.#images.addPulled(manifestBytes, configBytes, names);
  }

  tag(image: ImageRecord, name: string): Promise<string> {
    return this.#images.tag(image, name);
  }

  archive(images: readonly { image: ImageRecord; names: string[] }[], format: ArchiveFormat): Promise<ArchiveFile[]> {
    return this.#images.archive(images, format);
  }

  /** `docker rmi` (see `planImageRemoval`), then unused blobs are deleted. */
  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
    // A damaged entry (its image does not read) is removed whole: nothing can use it.
    const damaged = this.findImage(ref) === undefined ? this.#images.damaged.find(ref) : undefined;
    if (damaged !== undefined) {
      await this.#images.dropDamaged([damaged]);
      const untagged = damaged.entries.map((e) => nameFromAnnotations(e.annotations)).filter((n): n is string => n !== undefined);
      return { untagged, deleted: [damaged.manifestDigest], ...(await this.gc()) };
    }
    const image = this.resolveImage(ref);
    const name = tryCanonicalName(ref);
    const byName = name !== undefined && this.#images.tagged(name) === image.manifestDigest ? name : undefined;
    const users = (await this.containers()).filter((c) => c.image === image.manifestDigest);
    const plan = planImageRemoval(image, byName, users, options.force === true);
    await this.#images.untag(image, plan.untag, plan.dropImage);
    return { untagged: plan.untag, deleted: plan.deleted, ...(await this.gc()) };
  }

  /**
   * `docker image prune`: untagged images no container uses, then unreferenced blobs, then
   * every layer cache (index and data pack), which later commands rebuild from the blobs.
   */
  async prune(): Promise<GcResult & { images: string[]; cacheBytes: number; buildCacheEntries: number }> {
    const images = prunableImages(this.images(), await this.containers());
    if (images.length > 0) await this.#images.drop(images);
    // Damaged entries go too: their images do not read, so nothing can use them.
    const damaged = this.#images.damaged.list();
    if (damaged.length > 0) await this.#images.dropDamaged(damaged);
    // Build cache entries whose layer no image lists go too (issue 12, "Storage").
    const used = new Set(this.images().flatMap((i) => i.manifest.layers.map((l) => l.digest)));
    let dropped = 0;
    await this.updateBuildCache((cache) => {
      const kept = keepUsedEntries(cache, used);
      dropped = kept.dropped;
      return kept.dropped > 0 ? kept.doc : undefined;
    });
    const gc = await this.gc();
    this.#images.forgetLayers();
    return { images: [...images.map((i) => i.id), ...damaged.map((d) => d.manifestDigest)], ...gc, cacheBytes: await this.#images.caches.drop(), buildCacheEntries: dropped };
  }

  // --------------------------------------------------------------------------- containers

  containers(): Promise<ContainerRecord[]> {
    return this.#containers.list();
  }

  findContainer(ref: string): Promise<ContainerRecord | undefined> {
    return this.#containers.find(ref);
  }

  resolveContainer(ref: string): Promise<ContainerRecord> {
    return this.#containers.resolve(ref);
  }

  /** A new container on an image: an empty writable layer and its record. */
  createContainer(image: ImageRecord, options: { name?: string; imageName?: string } = {}): Promise<ContainerRecord> {
    return this.#containers.create(image, this.isoNow(), options);
  }

  /** The container's image (kept in the store as long as the container exists). */
  async containerImage(container: ContainerRecord): Promise<ImageRecord> {
    usable(container);
    // Untagged and removed from index.json by `rmi --force`: still in the blobs, read it there.
    return this.imageByManifest(container.image) ?? this.#images.readImage(container.image);
  }

  /** The container's writable layer as saved. */
  upperLayer(container: ContainerRecord): Promise<Layer> {
    return this.#containers.upper(container);
  }

  upperSize(container: ContainerRecord): Promise<number> {
    return this.#containers.upperSize(container);
  }

  /** Mounts a container: its image's layers with its saved writable layer on top. */
  async mount(container: ContainerRecord, progress?: ProgressSink): Promise<Overlay> {
    const lowers = await this.layers(await this.containerImage(container), progress);
    return mountContainer(lowers, await this.upperLayer(container), { clock: this.#clock });
  }

  /** Saves a mounted container's writable layer (after file operations). */
  saveUpper(container: ContainerRecord, overlay: Overlay): Promise<void> {
    return this.#containers.saveUpper(container, overlay);
  }

  /** Removes a container (its record and writable layer), then unused blobs. */
  async removeContainer(container: ContainerRecord): Promise<GcResult> {
    await this.#containers.remove(container);
    return this.gc();
  }

  // ---------------------------------------------------------------- references and garbage

  async refCounts(): Promise<RefCounts> {
    return (await this.#references()).refs;
  }

  /**
   * Reference counts, with damaged entries counted for what they are known to name, and the
   * holders whose references are unknown (a record or manifest that does not parse).
   */
  async #references(): Promise<{ refs: RefCounts; unknown: string[] }> {
    const containers = await this.containers();
    const unknown = (await this.#containers.damaged()).map((c) => `container ${c.id.slice(0, 12)}`);
    const manifests = new Map(this.images().map((i) => [i.manifestDigest, i.manifest]));
    const damaged = new Map(this.#images.damaged.list().map((d) => [d.manifestDigest, d]));
    for (const c of containers) {
      if (manifests.has(c.image) || damaged.has(c.image)) continue;
      try {
        manifests.set(c.image, (await this.containerImage(c)).manifest);
      } catch {
        unknown.push(`container ${c.name}`);
      }
    }
    const refs = countReferences(storeRoots(this.images(), containers), manifests);
    const add = (digest: string, holder: string): void => {
      refs.counts.set(digest, (refs.counts.get(digest) ?? 0) + 1);
      refs.holders.set(digest, [...(refs.holders.get(digest) ?? []), holder]);
    };
    for (const digest of buildCacheBlobs(await this.buildCache())) add(digest, 'build cache');
    for (const d of damaged.values()) {
      add(d.manifestDigest, `damaged image ${d.manifestDigest}`);
      if (d.references === undefined) unknown.push(`damaged image ${d.manifestDigest}`);
      for (const digest of d.references ?? []) add(digest, d.manifestDigest);
    }
    return { refs, unknown };
  }

  /**
   * Deletes every blob nothing references (after the documents stopped naming them); nothing
   * while a damaged entry may name blobs no one can tell (they would be lost for good).
   */
  async gc(): Promise<GcResult> {
    const { refs, unknown } = await this.#references();
    if (unknown.length > 0) return { blobs: [], bytes: 0, heldBy: unknown };
    const garbage = unreferencedBlobs(await this.#backend.blobs.list(), refs);
    let bytes = 0;
    for (const digest of garbage) {
      bytes += (await this.#backend.blobs.size(digest)) ?? 0;
      await this.#backend.blobs.delete(digest);
    }
    this.#images.forgetBlobs(garbage);
    // The caches of deleted blobs go after them, with any a gc killed in between left behind.
    await this.#images.caches.drop([...garbage, ...(await this.#images.caches.orphans(await this.#backend.blobs.list()))]);
    return { blobs: garbage, bytes };
  }

  /**
   * `overlay fsck`: what is damaged (images, containers, blobs), what is missing, and what can
   * be dropped safely (check.ts). Reads every blob once.
   */
  async check(): Promise<StoreCheck> {
    const { refs } = await this.#references();
    return checkStore({
      blobs: this.#backend.blobs,
      refs,
      images: this.images().map((i) => ({
        manifestDigest: i.manifestDigest,
        names: i.names,
        blobs: [i.manifest.config.digest, ...i.manifest.layers.map((l) => l.digest)],
        layers: i.manifest.layers.map((l, n) => ({ blob: l.digest, diffId: i.config.rootfs.diff_ids[n]! })),
      })),
      diffIdOf: (layer) => this.#images.caches.diffIdOf(layer),
      damagedImages: this.#images.damaged.list().map((d) => ({
        manifestDigest: d.manifestDigest,
        names: d.entries.map((e) => nameFromAnnotations(e.annotations)).filter((n): n is string => n !== undefined),
        reason: d.reason,
      })),
      damagedContainers: (await this.#containers.damaged()).map((c) => ({ id: c.id, reason: c.damaged ?? '' })),
    });
  }

  /** Bytes used, shared and unique (`docker system df`). */
  async diskUsage(): Promise<DiskUsage & { cacheBytes: number; buildCache: { entries: number; bytes: number } }> {
    const refs = await this.refCounts();
    const blobSizes = new Map<string, number>();
    for (const digest of await this.#backend.blobs.list()) blobSizes.set(digest, (await this.#backend.blobs.size(digest)) ?? 0);
    const containerBytes: number[] = [];
    for (const c of await this.containers()) containerBytes.push(await this.upperSize(c));
    // The build cache's own bytes: the layer blobs only it holds, and its document.
    const inImages = new Set(this.images().flatMap((i) => i.manifest.layers.map((l) => l.digest)));
    const cache = await this.buildCache();
    let buildCacheBytes = ((await this.#backend.documents.read('build-cache.json'))?.length ?? 0);
    for (const digest of buildCacheBlobs(cache)) if (!inImages.has(digest)) buildCacheBytes += blobSizes.get(digest) ?? 0;
    const buildCache = { entries: Object.keys(cache.entries).length, bytes: buildCacheBytes };
    return { ...diskUsage({ images: this.images(), containerBytes, blobSizes, refs }), cacheBytes: await this.#images.caches.bytes(), buildCache };
  }
}
