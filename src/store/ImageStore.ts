/**
 * The images of a store: an OCI image layout (image-layout.md) over a `BlobStore` for the blobs
 * and a `DocumentStore` for `oci-layout` and `index.json`. `index.json` is read once when the
 * store opens and rewritten after each change; blobs are read when needed.
 *
 * Crash-safety order: blobs are written before the document that names them (layers, then the
 * config, then the manifest, then `index.json`), and `index.json` is rewritten before any blob
 * it no longer names is deleted (by `Store.gc`).
 */
import { DomainError } from '../errors/index.js';
import {
  MediaTypes,
  OCI_LAYOUT_VERSION,
  checkLayoutFile,
  descriptorOf,
  encodeJson,
  imageManifest,
  isManifestType,
  layerHistory,
  layerHistoryEntries,
  nameFromAnnotations,
  parseConfig,
  parseIndex,
  parseManifest,
  tryCanonicalName,
  canonicalName,
  type ArchiveFile,
  type ArchiveFormat,
  type BlobStore,
  type Descriptor,
  type ImageConfig,
  type SourceImage,
} from '../image/index.js';
import type { Layer, TarLimits } from '../layer/index.js';
import type { DocumentStore, LayerCacheStore } from './backend.js';
import { verifiedBlob } from './blobCheck.js';
import { layerKeyId } from './layerIndex.js';
import { resumedLayerBlob, storePulledBlob } from './resumedPull.js';
import type { LayerCompression } from './compression.js';
import { storeDecodedLayer, storeLayerBlob, type IngestTools, type ProgressSink, type StoredLayer } from './ingest.js';
import { DamagedImages, damagedImage, type DamagedImage } from './damagedImages.js';
import { LayerCache } from './LayerCache.js';
import { imageArchive } from './imageArchive.js';
import { imageSize, notFound, shortHex, type ImageRecord } from './records.js';
import { TagIndex, indexDocument } from './tags.js';

export type { ProgressSink } from './ingest.js';


export interface AddImageInput {
  config: ImageConfig;
  /** Layers to store first (see `storeLayer`); the config's other layers must be in the store. */
  layers?: readonly Layer[];
  names?: readonly string[];
  progress?: ProgressSink;
}


export class ImageStore {
  readonly #blobs: BlobStore;
  readonly #documents: DocumentStore;
  readonly #compression: LayerCompression;
  /** Entries of index.json this store does not manage (other media types), kept as found. */
  #foreign: Descriptor[] = [];
  /** Entries of index.json whose image does not read (damagedImages.ts). */
  readonly #damaged = new DamagedImages();
  /** manifest digest → image, in the order of index.json, then of addition. */
  readonly #images = new Map<string, ImageRecord>();
  readonly #tags = new TagIndex();
  /** DiffID → descriptor of the stored blob that holds that layer. */
  readonly #layerBlobs = new Map<string, Descriptor>();
  /**
   * Decoded layers by blob digest and DiffID (`layerKeyId`): a layer read under one DiffID is not
   * handed out under another, which its tar was never checked against.
   */
  readonly #layerCache = new Map<string, Layer>();
  /** Layer indexes and data packs: what mounts read instead of the blobs. */
  readonly #caches: LayerCache;
  readonly #tools: IngestTools;

  private constructor(blobs: BlobStore, documents: DocumentStore, caches: LayerCacheStore, compression: LayerCompression, limits?: Partial<TarLimits>) {
    this.#blobs = blobs;
    this.#documents = documents;
    this.#compression = compression;
    this.#caches = new LayerCache(caches, blobs, compression, limits);
    this.#tools = { blobs, caches, compression, stored: (diffId) => this.#layerBlobs.get(diffId), ...(limits === undefined ? {} : { limits }) };
  }

  /**
   * Reads the layout, making it on first use: `index.json` first and `oci-layout` last, since
   * the presence of `oci-layout` marks a complete layout.
   */
  static async open(blobs: BlobStore, documents: DocumentStore, caches: LayerCacheStore, compression: LayerCompression, location: string, limits?: Partial<TarLimits>): Promise<ImageStore> {
    const layout = await documents.read('oci-layout');
    if (layout === undefined) {
      if ((await documents.read('index.json')) === undefined) {
        await documents.write('index.json', encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }));
      }
      await documents.write('oci-layout', encodeJson({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    } else {
      checkLayoutFile(layout);
    }
    const store = new ImageStore(blobs, documents, caches, compression, limits);
    await store.#load(location);
    return store;
  }

  async #load(location: string): Promise<void> {
    const bytes = await this.#documents.read('index.json');
    if (bytes === undefined) throw new DomainError('ImageFormatError', `${location}: index.json is missing`, { dir: location });
    const index = parseIndex(bytes, `${location}/index.json`);
    for (const entry of index.manifests) {
      if (!isManifestType(entry.mediaType)) {
        this.#foreign.push(entry);
        continue;
      }
      const damaged = this.#damaged.get(entry.digest);
      if (damaged !== undefined) {
        damaged.entries.push(entry);
        continue;
      }
      let image = this.#images.get(entry.digest);
      if (image === undefined) {
        try {
          image = await this.readImage(entry.digest);
        } catch (error) {
          this.#damaged.add(await damagedImage(this.#blobs, entry, error));
          continue;
        }
        this.#images.set(entry.digest, image);
      }
      const name = nameFromAnnotations(entry.annotations);
      if (name !== undefined && this.#tags.add(name, entry.digest)) image.names = this.#tags.namesOf(entry.digest);
    }
  }

  /** An image from its manifest blob (also one outside index.json), its layers noted by DiffID. */
  async readImage(manifestDigest: string): Promise<ImageRecord> {
    // Both are small, so both are hashed whole: an edited config must not show under its old ID.
    const manifestBytes = await verifiedBlob(this.#blobs, manifestDigest, 'manifest');
    const manifest = parseManifest(manifestBytes, `manifest ${manifestDigest}`);
    const configBytes = await verifiedBlob(this.#blobs, manifest.config.digest, 'config');
    const config = parseConfig(configBytes, `config ${manifest.config.digest}`);
    if (manifest.layers.length !== config.rootfs.diff_ids.length) {
      throw new DomainError('ImageFormatError', `image ${manifest.config.digest}: ${manifest.layers.length} layers but ${config.rootfs.diff_ids.length} DiffIDs`, {});
    }
    manifest.layers.forEach((layer, i) => {
      const diffId = config.rootfs.diff_ids[i]!;
      if (!this.#layerBlobs.has(diffId)) this.#layerBlobs.set(diffId, { mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
    });
    const size = imageSize(manifestBytes, configBytes, manifest.layers);
    return { id: manifest.config.digest, manifestDigest, manifest, manifestBytes, config, configBytes, names: [], size };
  }

  async #writeIndex(): Promise<void> {
    await this.#documents.write('index.json', encodeJson(indexDocument(this.#images.values(), [...this.#foreign, ...this.#damaged.entries()])));
  }

  /** The entries of index.json whose image does not read (damagedImages.ts). */
  get damaged(): DamagedImages {
    return this.#damaged;
  }

  /** Removes damaged entries from index.json (their blobs stay until garbage collection). */
  async dropDamaged(entries: readonly DamagedImage[]): Promise<void> {
    for (const d of entries) this.#damaged.delete(d.manifestDigest);
    await this.#writeIndex();
  }

  // ------------------------------------------------------------------------------ lookups

  /** The images of index.json. */
  list(): ImageRecord[] {
    return [...this.#images.values()];
  }

  /** `name[:tag]`, an image ID or manifest digest (`sha256:…`), or a unique hex prefix of one. */
  find(ref: string): ImageRecord | undefined {
    const name = tryCanonicalName(ref);
    const digest = name === undefined ? undefined : this.#tags.get(name);
    if (digest !== undefined) return this.#images.get(digest);
    const hex = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref;
    if (!/^[0-9a-f]{1,64}$/.test(hex) || (hex.length < 4 && !ref.startsWith('sha256:'))) return undefined;
    const matches = this.list().filter((i) => i.id.slice(7).startsWith(hex) || i.manifestDigest.slice(7).startsWith(hex));
    if (matches.length > 1) {
      throw new DomainError('InvalidArgumentError', `ambiguous image ID prefix ${ref}: matches ${matches.map((m) => shortHex(m.id)).join(', ')}`, { ref });
    }
    return matches[0];
  }

  resolve(ref: string): ImageRecord {
    const image = this.find(ref);
    if (image === undefined) throw notFound('image', ref.includes(':') || /^[0-9a-f]+$/.test(ref) ? ref : `${ref}:latest`);
    return image;
  }

  byManifest(digest: string): ImageRecord | undefined {
    return this.#images.get(digest);
  }

  /** The image a tag names (`name` in canonical form). */
  tagged(name: string): string | undefined {
    return this.#tags.get(name);
  }

  /** The stored blob of a layer with this DiffID, if any image has it. */
  layerBlob(diffId: string): Descriptor | undefined {
    return this.#layerBlobs.get(diffId);
  }

  /**
   * An image's layers, base first, each with the history entry that describes it. They come
   * from the layer indexes, their file data read on demand; a blob is read only to rebuild a
   * missing or bad index.
   */
  async layers(image: ImageRecord, progress?: ProgressSink): Promise<Layer[]> {
    const entries = layerHistoryEntries(image.config);
    const keys = image.manifest.layers.map((d, i) => ({ blob: d.digest, diffId: image.config.rootfs.diff_ids[i]! }));
    // Those not decoded yet are read side by side (a pulled image's are first read here).
    const unread = keys.filter((k) => !this.#layerCache.has(layerKeyId(k)));
    (await this.#caches.layers(unread, progress)).forEach((layer, i) => this.#layerCache.set(layerKeyId(unread[i]!), layer));
    return keys.map((k, i) => this.#layerCache.get(layerKeyId(k))!.withHistory(layerHistory(entries[i])));
  }

  /**
   * A stored layer blob that no image may list yet (the build cache's): its layer, and the
   * blob noted for its DiffID so an image can list it. `undefined` when the blob is gone.
   */
  async layerFromBlob(diffId: string, descriptor: Descriptor): Promise<Layer | undefined> {
    if ((await this.#blobs.size(descriptor.digest)) === undefined) return undefined;
    const key = { blob: descriptor.digest, diffId };
    let layer = this.#layerCache.get(layerKeyId(key));
    if (layer === undefined) {
      layer = await this.#caches.layer(key);
      this.#layerCache.set(layerKeyId(key), layer);
    }
    if (!this.#layerBlobs.has(diffId)) this.#layerBlobs.set(diffId, descriptor);
    return layer;
  }

  /** Bytes of file data of each of an image's layers (`Layer.size`), from the index headers. */
  async layerDataBytes(image: ImageRecord): Promise<number[]> {
    const out: number[] = [];
    for (const [i, descriptor] of image.manifest.layers.entries()) {
      const key = { blob: descriptor.digest, diffId: image.config.rootfs.diff_ids[i]! };
      out.push(this.#layerCache.get(layerKeyId(key))?.size ?? (await this.#caches.dataBytes(key)));
    }
    return out;
  }

  /** The caches of the layers (see LayerCache). */
  get caches(): LayerCache {
    return this.#caches;
  }

  // ------------------------------------------------------------------------------ writing

  /**
   * Stores a layer given decoded (import, commit, build) and returns its DiffID: its canonical
   * tar is hashed, compressed and written chunk by chunk (issue 9, "the tar is read, hashed,
   * compressed and written in chunks"), then its pack and index are written. Storing is by
   * DiffID: a layer the store has keeps its blob (the same tar compresses to the same bytes).
   */
  async storeLayer(layer: Layer, progress?: ProgressSink): Promise<string> {
    const stored = await storeDecodedLayer(this.#tools, layer, progress);
    this.#noteLayer(stored);
    return stored.diffId;
  }

  /**
   * A layer tar (plain or gzip) stored as given, the way `docker import` keeps its tarball: its
   * DiffID is the hash of the tar as it comes, the source is read once (ingest.ts). Returns the
   * DiffID and the layer as read (for its entry count and size; its files are not readable).
   */
  async storeLayerTar(tar: AsyncIterable<Uint8Array>, progress?: ProgressSink): Promise<{ diffId: string; layer: Layer }> {
    const stored = await storeLayerBlob(this.#tools, tar, undefined, progress);
    this.#noteLayer(stored);
    return { diffId: stored.diffId, layer: stored.layer };
  }

  /**
   * The one rule for a layer blob entering the store (load, pull): once per DiffID, its bytes
   * kept as they are when gzip (a plain tar is compressed), its tar checked against `diffId`,
   * read once in bounded memory (ingest.ts).
   */
  async #storeBlob(diffId: string, source: AsyncIterable<Uint8Array>, progress?: ProgressSink, digest?: string, keepPlain = false): Promise<Descriptor> {
    const stored = this.#layerBlobs.get(diffId);
    if (stored !== undefined) return stored;
    return this.#noteLayer(await storeLayerBlob(this.#tools, source, diffId, progress, digest, keepPlain));
  }

  #noteLayer(stored: StoredLayer): Descriptor {
    const descriptor: Descriptor = { mediaType: stored.mediaType, digest: stored.digest, size: stored.size };
    if (!this.#layerBlobs.has(stored.diffId)) this.#layerBlobs.set(stored.diffId, descriptor);
    return this.#layerBlobs.get(stored.diffId)!;
  }

  /**
   * Stores an image: new layers, then the config, then the manifest, then `index.json` with
   * its tags. A tag that named another image moves; that image stays, untagged, until `prune`
   * or `rmi`.
   */
  async add(input: AddImageInput): Promise<ImageRecord> {
    // Names are checked before anything is written: a bad name leaves no garbage behind.
    const names = (input.names ?? []).map(canonicalName);
    for (const layer of input.layers ?? []) await this.storeLayer(layer, input.progress);
    const layers: Descriptor[] = [];
    for (const diffId of input.config.rootfs.diff_ids) {
      const stored = this.#layerBlobs.get(diffId);
      if (stored === undefined) throw new DomainError('NotFoundError', `layer ${diffId} is neither given nor in the store`, { diffId });
      layers.push(stored);
    }
    return this.#addManifest(encodeJson(input.config), input.config, layers, names);
  }

  /**
   * Loads images read from an archive or layout. Configs are kept byte for byte (image IDs do
   * not change); each layer is checked against its DiffID and stored by the same rule as
   * `add`; layers the store has are not read again.
   */
  async load(sources: readonly SourceImage[], progress?: ProgressSink): Promise<ImageRecord[]> {
    for (const source of sources) source.names.forEach(canonicalName);
    const out: ImageRecord[] = [];
    for (const source of sources) {
      const layers: Descriptor[] = [];
      for (const layer of source.layers) {
        const stored = this.#layerBlobs.get(layer.diffId);
        layers.push(stored ?? (await this.#storeBlob(layer.diffId, layer.uncheckedChunks(), progress, layer.digest)));
      }
      out.push(await this.#addManifest(source.configBytes, source.config, layers, source.names));
    }
    return out;
  }

  /**
   * A layer blob from a registry (pull), stored by the rule of `load` (ingest.ts): once per
   * DiffID, checked against `digest` as it streams, and kept byte for byte, a plain tar too (and
   * zstd when `storesZstd`), so the image keeps the manifest the registry names it by; nothing
   * is stored when a check fails.
   */
  storePulledLayer(diffId: string, source: AsyncIterable<Uint8Array>, progress?: ProgressSink, digest?: string): Promise<Descriptor> {
    return this.#storeBlob(diffId, source, progress, digest, true);
  }

  /**
   * A layer blob from a registry, stored as it streams and checked against its digest only
   * (resumedPull.ts): its DiffID is checked at the layer's first use (LayerCache.ts `#rebuild`).
   */
  async storePulledBlob(diffId: string, source: AsyncIterable<Uint8Array>, blob: Descriptor, progress?: ProgressSink): Promise<Descriptor> {
    const stored = await storePulledBlob(this.#blobs, source, blob, progress);
    if (!this.#layerBlobs.has(diffId)) this.#layerBlobs.set(diffId, stored);
    return stored;
  }

  /**
   * The stored blob a pull can use for layer `diffId` instead of downloading `blob`: the one an
   * image lists for that DiffID when it is `blob` or its index proves the DiffID (a blob
   * another pull stored is not read until its first use, so its DiffID is only a claim of that
   * image's config), else `blob` itself when a pull stored it (resumedPull.ts).
   */
  async storedPulledLayer(diffId: string, blob: Descriptor, repair = true): Promise<Descriptor | undefined> {
    const known = this.#layerBlobs.get(diffId);
    if (known !== undefined && (known.digest === blob.digest || (await this.#caches.describes({ blob: known.digest, diffId })))) return known;
    const found = await resumedLayerBlob(this.#blobs, this.#caches, diffId, blob, repair);
    if (found !== undefined && !this.#layerBlobs.has(diffId)) this.#layerBlobs.set(diffId, found);
    return found;
  }

  /** Whether zstd layer blobs are kept as they come (the compression decodes zstd). */
  get storesZstd(): boolean {
    return this.#compression.unzstdStream !== undefined;
  }

  /**
   * A pulled image whose layers are stored: its manifest kept byte for byte (so its digest is
   * the registry's) when the store holds every layer under the blob the manifest names, else
   * (a zstd or plain layer stored as gzip, a layer the store had compressed otherwise) a
   * manifest of the stored blobs, as `load` writes. Config, then manifest, then `index.json`.
   */
  async addPulled(manifestBytes: Uint8Array, configBytes: Uint8Array, names: readonly string[]): Promise<{ image: ImageRecord; kept: boolean }> {
    const canonical = names.map(canonicalName);
    const manifest = parseManifest(manifestBytes, 'pulled manifest');
    const config = parseConfig(configBytes, `config ${manifest.config.digest}`);
    if (manifest.layers.length !== config.rootfs.diff_ids.length) {
      throw new DomainError('ImageFormatError', `image ${manifest.config.digest}: ${manifest.layers.length} layers but ${config.rootfs.diff_ids.length} DiffIDs`, {});
    }
    // Each layer is the blob the manifest names when the store has it (a pull stored it), so
    // the manifest is kept; else the blob the store holds for that DiffID.
    const layers: Descriptor[] = [];
    for (const [i, diffId] of config.rootfs.diff_ids.entries()) {
      const named = manifest.layers[i]!;
      const stored = (await this.#blobs.has(named.digest)) ? named : this.#layerBlobs.get(diffId);
      if (stored === undefined) throw new DomainError('NotFoundError', `layer ${diffId} is not in the store`, { diffId });
      if (!this.#layerBlobs.has(diffId)) this.#layerBlobs.set(diffId, stored);
      layers.push(stored);
    }
    const kept = layers.every((l, i) => l.digest === manifest.layers[i]!.digest);
    if (!kept) return { image: await this.#addManifest(configBytes, config, layers, canonical), kept };
    await this.#blobs.put(configBytes, manifest.config.digest);
    const manifestDigest = await this.#blobs.put(manifestBytes);
    let image = this.#images.get(manifestDigest);
    if (image === undefined) {
      image = { id: manifest.config.digest, manifestDigest, manifest, manifestBytes, config, configBytes, names: [], size: imageSize(manifestBytes, configBytes, manifest.layers) };
      this.#images.set(manifestDigest, image);
    }
    for (const name of canonical) this.#setTag(name, image);
    await this.#writeIndex();
    return { image, kept };
  }

  async #addManifest(configBytes: Uint8Array, config: ImageConfig, layers: Descriptor[], names: readonly string[]): Promise<ImageRecord> {
    const configDescriptor = descriptorOf(MediaTypes.ociConfig, configBytes);
    await this.#blobs.put(configBytes, configDescriptor.digest);
    const manifest = imageManifest(configDescriptor, layers);
    const manifestBytes = encodeJson(manifest);
    const manifestDigest = await this.#blobs.put(manifestBytes);
    let image = this.#images.get(manifestDigest);
    if (image === undefined) {
      const size = imageSize(manifestBytes, configBytes, layers);
      image = { id: configDescriptor.digest, manifestDigest, manifest, manifestBytes, config, configBytes, names: [], size };
      this.#images.set(manifestDigest, image);
    }
    for (const name of names) this.#setTag(canonicalName(name), image);
    await this.#writeIndex();
    return image;
  }

  #setTag(name: string, image: ImageRecord): void {
    this.#damaged.releaseName(name);
    const previous = this.#tags.set(name, image.manifestDigest);
    if (previous !== undefined) {
      const old = this.#images.get(previous);
      if (old !== undefined) old.names = this.#tags.namesOf(previous);
    }
    image.names = this.#tags.namesOf(image.manifestDigest);
  }

  /** Gives an image another name (`docker tag`); returns the name in canonical form. */
  async tag(image: ImageRecord, name: string): Promise<string> {
    const canonical = canonicalName(name);
    this.#setTag(canonical, image);
    await this.#writeIndex();
    return canonical;
  }

  /**
   * Removes names and, with `drop`, the image itself from index.json (its blobs stay until
   * garbage collection), then rewrites index.json.
   */
  async untag(image: ImageRecord, names: readonly string[], drop: boolean): Promise<void> {
    for (const name of names) this.#tags.delete(name);
    image.names = this.#tags.namesOf(image.manifestDigest);
    if (drop) this.#images.delete(image.manifestDigest);
    await this.#writeIndex();
  }

  /** Removes untagged images from index.json (their blobs stay until garbage collection). */
  async drop(images: readonly ImageRecord[]): Promise<void> {
    for (const image of images) this.#images.delete(image.manifestDigest);
    await this.#writeIndex();
  }

  /** Forgets the decoded layers (their caches are about to be dropped). */
  forgetLayers(): void {
    this.#layerCache.clear();
  }

  /** Forgets deleted blobs (after garbage collection). */
  forgetBlobs(digests: readonly string[]): void {
    const gone = new Set(digests);
    for (const key of [...this.#layerCache.keys()]) if (gone.has(key.slice(0, key.indexOf(' ')))) this.#layerCache.delete(key);
    for (const [diffId, d] of this.#layerBlobs) if (gone.has(d.digest)) this.#layerBlobs.delete(diffId);
  }

  /** The files of an archive holding these images (imageArchive.ts). */
  archive(images: readonly { image: ImageRecord; names: string[] }[], format: ArchiveFormat): Promise<ArchiveFile[]> {
    return imageArchive(images, format, { blobs: this.#blobs, compression: this.#compression, caches: this.#caches });
  }
}
