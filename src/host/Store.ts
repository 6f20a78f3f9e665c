/**
 * The image and container store of the `overlay` CLI: a directory that is an OCI image layout
 * (`oci-layout`, `index.json`, `blobs/sha256/…`), so skopeo, umoci and oci-image-tool read it
 * as they read any layout, with the containers beside it:
 *
 *   STORE/oci-layout                      {"imageLayoutVersion":"1.0.0"}
 *   STORE/index.json                      one entry per tag (ref name `name:tag`), plus untagged images
 *   STORE/blobs/sha256/<hex>              manifests, configs, gzip layer tars: each stored once
 *   STORE/containers/<id>/container.json  name, image (manifest digest), creation time
 *   STORE/containers/<id>/upper.tar       the container's writable layer as an OCI layer tar
 *   STORE/tmp/                            temporary files, renamed into place when complete
 *   STORE/overlay.lock                    present while a process works on the store
 *
 * Every file is written whole and renamed into place; blobs are written before the documents
 * that name them and deleted only after nothing names them, so a killed process leaves at
 * worst unreferenced blobs (removed by `prune`), never a store that fails to load.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Digest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import {
  MediaTypes,
  OCI_LAYOUT_VERSION,
  archiveFiles,
  canonicalName,
  checkLayoutFile,
  countReferences,
  descriptorOf,
  encodeJson,
  imageManifest,
  indexEntry,
  isGzip,
  isManifestType,
  layerHistory,
  layerHistoryEntries,
  mountContainer,
  nameFromAnnotations,
  parseConfig,
  parseIndex,
  parseJson,
  parseManifest,
  unreferencedBlobs,
  type ArchiveFile,
  type ArchiveFormat,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
  type RefCounts,
  type RefRoot,
  type SourceImage,
} from '../image/index.js';
import { Layer } from '../layer/index.js';
import type { Overlay } from '../overlay/index.js';
import { syncDir, writeFileAtomic } from './atomic.js';
import { gzip, uncompressed } from './compress.js';
import { DiskBlobStore } from './DiskBlobStore.js';
import { FileLock, type LockOwner } from './lock.js';
import { hostPlatform } from './platform.js';
import type { Progress } from './progress.js';

export const LOCK_FILE = 'overlay.lock';
const CONTAINERS = 'containers';
const TMP = 'tmp';
/** Names a fresh store directory may already hold (from an earlier, interrupted first use). */
const OWN_NAMES = new Set(['oci-layout', 'index.json', 'blobs', CONTAINERS, TMP, LOCK_FILE]);

export interface StoreOptions {
  /** Milliseconds since the epoch for creation times and new files (default `Date.now`). */
  clock?: () => number;
  /** Wait at most this long for another process's lock (default 30 s). */
  lockTimeoutMs?: number;
  /** Recorded in the lock file, for whoever has to wait. */
  command?: string;
  onLockWait?: (owner: LockOwner | undefined) => void;
  /** Platform new images declare (default: this machine's). */
  platform?: Platform;
}

export interface ImageRecord {
  /** The image ID: digest of the config (config.md "ImageID"). */
  id: string;
  manifestDigest: string;
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  config: ImageConfig;
  configBytes: Uint8Array;
  /** Tags (`name:tag`), sorted; empty for an untagged image. */
  names: string[];
  /** Bytes of the manifest, config and layer blobs. */
  size: number;
}

export interface ContainerRecord {
  /** 64 hex digits; shown shortened to 12. */
  id: string;
  name: string;
  /** Manifest digest of the image the container is based on. */
  image: string;
  /** ID (config digest) of that image. */
  imageId: string;
  /** The name the container was created from, when it was created from a name. */
  imageName?: string;
  created: string;
}

export interface AddImageInput {
  config: ImageConfig;
  /** Layers not yet in the store (by DiffID); the others are taken from the store. */
  layers?: readonly Layer[];
  names?: readonly string[];
  progress?: Progress;
}

export interface RemoveImageResult {
  untagged: string[];
  deleted: string[];
  blobs: string[];
  bytes: number;
}

export interface GcResult {
  blobs: string[];
  bytes: number;
}

export interface DiskUsage {
  images: { count: number; bytes: number };
  containers: { count: number; bytes: number };
  layers: { count: number; bytes: number; sharedBytes: number; uniqueBytes: number };
  /** Bytes of layer blobs each image shares with another image / has alone. */
  perImage: { id: string; names: string[]; size: number; sharedBytes: number; uniqueBytes: number }[];
  unreferenced: { count: number; bytes: number };
  totalBytes: number;
}

function notFound(what: string, ref: string): DomainError {
  return new DomainError('NotFoundError', `no such ${what}: ${ref}`, { [what]: ref });
}

const shortHex = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

export class Store {
  readonly dir: string;
  readonly blobs: DiskBlobStore;
  readonly tmpDir: string;
  readonly platform: Platform;
  readonly #lock: FileLock;
  readonly #clock: () => number;
  /** Entries of index.json this store does not manage (other media types), kept as found. */
  #foreign: Descriptor[] = [];
  readonly #images = new Map<string, ImageRecord>();
  readonly #tags = new Map<string, string>();
  /** DiffID → descriptor of the stored blob that holds that layer. */
  readonly #layerBlobs = new Map<string, Descriptor>();
  readonly #layerCache = new Map<string, Layer>();
  #containers: ContainerRecord[] | undefined;

  private constructor(dir: string, lock: FileLock, options: StoreOptions) {
    this.dir = dir;
    this.tmpDir = join(dir, TMP);
    this.blobs = new DiskBlobStore(dir, this.tmpDir);
    this.#lock = lock;
    this.#clock = options.clock ?? Date.now;
    this.platform = options.platform ?? hostPlatform();
  }

  /** Opens (creating on first use) the store in `dir` and locks it until `close()`. */
  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    mkdirSync(dir, { recursive: true });
    const lockOptions: Parameters<typeof FileLock.acquire>[1] = {};
    if (options.lockTimeoutMs !== undefined) lockOptions.timeoutMs = options.lockTimeoutMs;
    if (options.command !== undefined) lockOptions.command = options.command;
    if (options.onLockWait !== undefined) lockOptions.onWait = options.onLockWait;
    const lock = await FileLock.acquire(join(dir, LOCK_FILE), lockOptions);
    const store = new Store(dir, lock, options);
    try {
      store.#init();
      store.#load();
    } catch (error) {
      lock.release();
      throw error;
    }
    return store;
  }

  /** Releases the lock. */
  close(): void {
    this.#lock.release();
  }

  get lockPath(): string {
    return this.#lock.path;
  }

  now(): number {
    return this.#clock();
  }

  isoNow(): string {
    return new Date(this.#clock()).toISOString();
  }

  #init(): void {
    const layoutFile = join(this.dir, 'oci-layout');
    if (!existsSync(layoutFile)) {
      const strangers = readdirSync(this.dir).filter((name) => !OWN_NAMES.has(name));
      if (strangers.length > 0) {
        throw new DomainError('ImageFormatError', `${this.dir} is not an overlay store (it has no oci-layout file and is not empty)`, { dir: this.dir });
      }
      mkdirSync(this.blobs.dir, { recursive: true });
      mkdirSync(join(this.dir, CONTAINERS), { recursive: true });
      if (!existsSync(join(this.dir, 'index.json'))) this.#writeJson('index.json', { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] });
      // oci-layout last: its presence marks a complete store.
      this.#writeJson('oci-layout', { imageLayoutVersion: OCI_LAYOUT_VERSION });
    } else {
      checkLayoutFile(new Uint8Array(readFileSync(layoutFile)));
      mkdirSync(this.blobs.dir, { recursive: true });
      mkdirSync(join(this.dir, CONTAINERS), { recursive: true });
    }
    // Leftovers of processes killed mid-write: nobody else works here while we hold the lock.
    rmSync(this.tmpDir, { recursive: true, force: true });
    for (const name of readdirSync(join(this.dir, CONTAINERS))) {
      if (name.startsWith('.')) rmSync(join(this.dir, CONTAINERS, name), { recursive: true, force: true });
    }
  }

  #writeJson(relative: string, value: unknown): void {
    writeFileAtomic(join(this.dir, relative), encodeJson(value), this.tmpDir);
  }

  #load(): void {
    const indexPath = join(this.dir, 'index.json');
    if (!existsSync(indexPath)) throw new DomainError('ImageFormatError', `${this.dir}: index.json is missing`, { dir: this.dir });
    const index = parseIndex(new Uint8Array(readFileSync(indexPath)), `${indexPath}`);
    for (const entry of index.manifests) {
      if (!isManifestType(entry.mediaType)) {
        this.#foreign.push(entry);
        continue;
      }
      let image = this.#images.get(entry.digest);
      if (image === undefined) {
        image = this.#readImage(entry.digest);
        this.#images.set(entry.digest, image);
      }
      const name = nameFromAnnotations(entry.annotations);
      if (name !== undefined && !this.#tags.has(name)) {
        this.#tags.set(name, entry.digest);
        image.names.push(name);
        image.names.sort();
      }
    }
  }

  #readImage(manifestDigest: string): ImageRecord {
    const manifestBytes = this.blobs.getSync(manifestDigest);
    if (sha256Digest(manifestBytes) !== manifestDigest) {
      throw new DomainError('DigestMismatchError', `blob ${manifestDigest} does not match its digest`, { digest: manifestDigest });
    }
    const manifest = parseManifest(manifestBytes, `manifest ${manifestDigest}`);
    const configBytes = this.blobs.getSync(manifest.config.digest);
    const config = parseConfig(configBytes, `config ${manifest.config.digest}`);
    if (manifest.layers.length !== config.rootfs.diff_ids.length) {
      throw new DomainError('ImageFormatError', `image ${manifest.config.digest}: ${manifest.layers.length} layers but ${config.rootfs.diff_ids.length} DiffIDs`, {});
    }
    manifest.layers.forEach((layer, i) => {
      const diffId = config.rootfs.diff_ids[i]!;
      if (!this.#layerBlobs.has(diffId)) this.#layerBlobs.set(diffId, { mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
    });
    const size = manifestBytes.length + configBytes.length + manifest.layers.reduce((n, l) => n + l.size, 0);
    return { id: manifest.config.digest, manifestDigest, manifest, manifestBytes, config, configBytes, names: [], size };
  }

  #writeIndex(): void {
    const manifests: Descriptor[] = [...this.#foreign];
    const key = (i: ImageRecord): string => i.names[0] ?? `\uffff${i.id}`;
    const records = [...this.#images.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const image of records) {
      const descriptor: Descriptor = { mediaType: MediaTypes.ociManifest, digest: image.manifestDigest, size: image.manifestBytes.length };
      if (image.names.length === 0) manifests.push(indexEntry(descriptor, undefined));
      for (const name of image.names) manifests.push(indexEntry(descriptor, name));
    }
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
    this.#writeJson('index.json', index);
  }

  // ------------------------------------------------------------------------------- images

  images(): ImageRecord[] {
    return [...this.#images.values()];
  }

  /** `name[:tag]`, an image ID or manifest digest (`sha256:…`), or a unique hex prefix of one. */
  findImage(ref: string): ImageRecord | undefined {
    try {
      const digest = this.#tags.get(canonicalName(ref));
      if (digest !== undefined) return this.#images.get(digest);
    } catch {
      // Not a name: maybe an ID.
    }
    const hex = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref;
    if (!/^[0-9a-f]{1,64}$/.test(hex) || (hex.length < 4 && !ref.startsWith('sha256:'))) return undefined;
    const matches = this.images().filter((i) => i.id.slice(7).startsWith(hex) || i.manifestDigest.slice(7).startsWith(hex));
    if (matches.length > 1) {
      throw new DomainError('InvalidArgumentError', `ambiguous image ID prefix ${ref}: matches ${matches.map((m) => shortHex(m.id)).join(', ')}`, { ref });
    }
    return matches[0];
  }

  resolveImage(ref: string): ImageRecord {
    const image = this.findImage(ref);
    if (image === undefined) throw notFound('image', ref.includes(':') || /^[0-9a-f]+$/.test(ref) ? ref : `${ref}:latest`);
    return image;
  }

  imageByManifest(digest: string): ImageRecord | undefined {
    return this.#images.get(digest);
  }

  /** The stored blob of a layer with this DiffID, if any image has it. */
  layerBlob(diffId: string): Descriptor | undefined {
    return this.#layerBlobs.get(diffId);
  }

  /** An image's layers, base first, each with the history entry that describes it. */
  async layers(image: ImageRecord, progress?: Progress): Promise<Layer[]> {
    const entries = layerHistoryEntries(image.config);
    const out: Layer[] = [];
    for (const [i, descriptor] of image.manifest.layers.entries()) {
      let layer = this.#layerCache.get(descriptor.digest);
      if (layer === undefined) {
        const blob = this.blobs.getSync(descriptor.digest);
        layer = await Layer.fromTar(blob);
        this.#layerCache.set(descriptor.digest, layer);
        progress?.tick(blob.length);
      }
      out.push(layer.withHistory(layerHistory(entries[i])));
    }
    return out;
  }

  /** Stores one layer as a gzip blob (once per DiffID) and returns its descriptor. */
  #putLayer(layer: Layer, progress?: Progress): Descriptor {
    const existing = this.#layerBlobs.get(layer.diffId);
    if (existing !== undefined) return existing;
    const tar = layer.toTar();
    const blob = gzip(tar);
    const digest = this.blobs.putSync(blob);
    progress?.tick(tar.length);
    const descriptor: Descriptor = { mediaType: MediaTypes.ociLayerGzip, digest, size: blob.length };
    this.#layerBlobs.set(layer.diffId, descriptor);
    return descriptor;
  }

  /**
   * Stores an image: new layers (as gzip blobs; layers already stored are shared), then the
   * config, then the manifest, then `index.json` with its tags. A tag that named another image
   * moves; that image stays, untagged, until `prune` or `rmi`.
   */
  async addImage(input: AddImageInput): Promise<ImageRecord> {
    // Names are checked before anything is written: a bad name leaves no garbage behind.
    const names = (input.names ?? []).map(canonicalName);
    const given = new Map<string, Layer>();
    for (const layer of input.layers ?? []) given.set(layer.diffId, layer);
    const layers: Descriptor[] = input.config.rootfs.diff_ids.map((diffId) => {
      const layer = given.get(diffId);
      if (layer !== undefined) return this.#putLayer(layer, input.progress);
      const stored = this.#layerBlobs.get(diffId);
      if (stored === undefined) throw new DomainError('NotFoundError', `layer ${diffId} is neither given nor in the store`, { diffId });
      return stored;
    });
    const configBytes = encodeJson(input.config);
    return this.#addManifest(configBytes, input.config, layers, names);
  }

  #addManifest(configBytes: Uint8Array, config: ImageConfig, layers: Descriptor[], names: readonly string[]): ImageRecord {
    const configDescriptor = descriptorOf(MediaTypes.ociConfig, configBytes);
    this.blobs.putSync(configBytes, configDescriptor.digest);
    const manifest = imageManifest(configDescriptor, layers);
    const manifestBytes = encodeJson(manifest);
    const manifestDigest = this.blobs.putSync(manifestBytes);
    let image = this.#images.get(manifestDigest);
    if (image === undefined) {
      const size = manifestBytes.length + configBytes.length + layers.reduce((n, l) => n + l.size, 0);
      image = { id: configDescriptor.digest, manifestDigest, manifest, manifestBytes, config, configBytes, names: [], size };
      this.#images.set(manifestDigest, image);
    }
    for (const name of names) this.#setTag(canonicalName(name), image);
    this.#writeIndex();
    return image;
  }

  #setTag(name: string, image: ImageRecord): void {
    const previous = this.#tags.get(name);
    if (previous === image.manifestDigest) return;
    if (previous !== undefined) {
      const old = this.#images.get(previous)!;
      old.names = old.names.filter((n) => n !== name);
    }
    this.#tags.set(name, image.manifestDigest);
    image.names = [...image.names, name].sort();
  }

  /** Gives an image another name (`docker tag`). */
  tag(image: ImageRecord, name: string): string {
    const canonical = canonicalName(name);
    this.#setTag(canonical, image);
    this.#writeIndex();
    return canonical;
  }

  /**
   * Loads images read from an archive or layout. Configs are kept byte for byte (image IDs do
   * not change); each layer is checked against its DiffID and stored gzip-compressed (as
   * found when it already was); layers the store has are not stored again.
   */
  async loadImages(sources: readonly SourceImage[], progress?: Progress): Promise<ImageRecord[]> {
    for (const source of sources) source.names.forEach(canonicalName);
    const out: ImageRecord[] = [];
    for (const source of sources) {
      const layers: Descriptor[] = [];
      for (const layer of source.layers) {
        const stored = this.#layerBlobs.get(layer.diffId);
        if (stored !== undefined) {
          layers.push(stored);
          continue;
        }
        const bytes = await layer.read();
        const tar = uncompressed(bytes, `layer ${layer.diffId}`);
        const actual = sha256Digest(tar);
        if (actual !== layer.diffId) {
          throw new DomainError('DigestMismatchError', `layer does not match its DiffID: expected ${layer.diffId}, got ${actual}`, {
            expected: layer.diffId,
            actual,
          });
        }
        const blob = isGzip(bytes) ? bytes : gzip(tar);
        const digest = this.blobs.putSync(blob);
        progress?.tick(bytes.length);
        const descriptor: Descriptor = { mediaType: MediaTypes.ociLayerGzip, digest, size: blob.length };
        this.#layerBlobs.set(layer.diffId, descriptor);
        layers.push(descriptor);
      }
      out.push(this.#addManifest(source.configBytes, source.config, layers, source.names));
    }
    return out;
  }

  /** The files of an archive holding these images (see `archiveFiles`). */
  async archive(images: readonly { image: ImageRecord; names: string[] }[], format: ArchiveFormat): Promise<ArchiveFile[]> {
    const merged = new Map<string, { image: ImageRecord; names: string[] }>();
    for (const { image, names } of images) {
      const entry = merged.get(image.manifestDigest);
      if (entry === undefined) merged.set(image.manifestDigest, { image, names: [...names] });
      else for (const n of names) if (!entry.names.includes(n)) entry.names.push(n);
    }
    return archiveFiles(
      [...merged.values()].map(({ image, names }) => ({
        names,
        manifest: image.manifest,
        manifestBytes: image.manifestBytes,
        manifestDigest: image.manifestDigest,
        configBytes: image.configBytes,
        config: image.config,
      })),
      format,
      {
        blob: async (digest) => this.blobs.getSync(digest),
        layerTar: async (descriptor) => uncompressed(this.blobs.getSync(descriptor.digest), `layer ${descriptor.digest}`),
      },
    );
  }

  /**
   * `docker rmi`: by name, removes that tag; by ID, every tag (with `force` when there are
   * several). The image itself goes when no tag is left and no container uses it; a
   * container's image is kept unless `force` (then only its tags go). Blobs nothing uses any
   * more are deleted.
   */
  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
    const image = this.resolveImage(ref);
    let byName: string | undefined;
    try {
      const canonical = canonicalName(ref);
      if (this.#tags.get(canonical) === image.manifestDigest) byName = canonical;
    } catch {
      // an ID
    }
    const users = this.containers().filter((c) => c.image === image.manifestDigest);
    const toUntag = byName !== undefined ? [byName] : [...image.names];
    if (byName === undefined && image.names.length > 1 && options.force !== true) {
      throw new DomainError('InvalidArgumentError', `image ${shortHex(image.id)} has several names (${image.names.join(', ')}); remove them by name or use --force`, {
        image: image.id,
      });
    }
    const lastName = toUntag.length === image.names.length;
    if (lastName && users.length > 0 && options.force !== true) {
      throw new DomainError('InvalidArgumentError', `image ${image.names[0] ?? shortHex(image.id)} is used by container ${users.map((c) => c.name).join(', ')}; remove the container first or use --force`, {
        image: image.id,
        containers: users.map((c) => c.id),
      });
    }
    for (const name of toUntag) this.#tags.delete(name);
    image.names = image.names.filter((n) => !toUntag.includes(n));
    const deleted: string[] = [];
    if (image.names.length === 0 && (users.length === 0 || options.force === true)) {
      this.#images.delete(image.manifestDigest);
      if (users.length === 0) deleted.push(image.id);
    }
    this.#writeIndex();
    const gc = await this.gc();
    return { untagged: toUntag, deleted, ...gc };
  }

  // --------------------------------------------------------------------------- containers

  containers(): ContainerRecord[] {
    if (this.#containers !== undefined) return this.#containers;
    const dir = join(this.dir, CONTAINERS);
    const out: ContainerRecord[] = [];
    for (const id of readdirSync(dir).sort()) {
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      const file = join(dir, id, 'container.json');
      if (!existsSync(file)) continue;
      const value = parseJson(new Uint8Array(readFileSync(file)), file) as Partial<ContainerRecord>;
      if (typeof value.name !== 'string' || typeof value.image !== 'string') {
        throw new DomainError('ImageFormatError', `${file}: not a container record`, { path: file });
      }
      out.push({ ...value, id } as ContainerRecord);
    }
    out.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.name.localeCompare(b.name)));
    this.#containers = out;
    return out;
  }

  findContainer(ref: string): ContainerRecord | undefined {
    const all = this.containers();
    const exact = all.find((c) => c.name === ref || c.id === ref);
    if (exact !== undefined) return exact;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = all.filter((c) => c.id.startsWith(ref));
    if (matches.length > 1) throw new DomainError('InvalidArgumentError', `ambiguous container ID prefix ${ref}`, { ref });
    return matches[0];
  }

  resolveContainer(ref: string): ContainerRecord {
    const container = this.findContainer(ref);
    if (container === undefined) throw notFound('container', ref);
    return container;
  }

  #containerDir(container: ContainerRecord | string): string {
    return join(this.dir, CONTAINERS, typeof container === 'string' ? container : container.id);
  }

  /** A new container on an image: an empty writable layer and its record. */
  async createContainer(image: ImageRecord, options: { name?: string; imageName?: string } = {}): Promise<ContainerRecord> {
    const all = this.containers();
    let name = options.name;
    if (name !== undefined) {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
        throw new DomainError('InvalidArgumentError', `invalid container name ${JSON.stringify(name)}: use letters, digits and _ . - (not first)`, { name });
      }
      if (all.some((c) => c.name === name)) throw new DomainError('InvalidArgumentError', `container name ${name} is already in use`, { name });
    } else {
      const base = (image.names[0] ?? options.imageName ?? 'container').replace(/:.*$/, '').replace(/^.*\//, '').replace(/[^a-zA-Z0-9_.-]/g, '_') || 'container';
      let n = 1;
      while (all.some((c) => c.name === `${base}-${n}`)) n++;
      name = `${base}-${n}`;
    }
    const created = this.isoNow();
    let id = '';
    for (let nonce = all.length; ; nonce++) {
      id = sha256Digest(new TextEncoder().encode(`${image.id}\n${name}\n${created}\n${nonce}`)).slice(7);
      if (!all.some((c) => c.id === id) && !existsSync(this.#containerDir(id))) break;
    }
    const record: ContainerRecord = { id, name, image: image.manifestDigest, imageId: image.id, created };
    if (options.imageName !== undefined) record.imageName = options.imageName;
    // Built in a hidden directory and renamed into place: a container exists whole or not at all.
    const staging = join(this.dir, CONTAINERS, `.new-${id}`);
    mkdirSync(staging, { recursive: true });
    const { id: _id, ...stored } = record;
    void _id;
    writeFileAtomic(join(staging, 'container.json'), encodeJson(stored), this.tmpDir);
    writeFileAtomic(join(staging, 'upper.tar'), Layer.fromEntries([]).toTar(), this.tmpDir);
    renameSync(staging, this.#containerDir(id));
    syncDir(join(this.dir, CONTAINERS));
    this.#containers = undefined;
    return record;
  }

  /** The container's image (kept in the store as long as the container exists). */
  containerImage(container: ContainerRecord): ImageRecord {
    let image = this.#images.get(container.image);
    if (image === undefined) {
      // Untagged and removed from index.json by `rmi --force`: still in blobs, read it there.
      image = this.#readImage(container.image);
    }
    return image;
  }

  /** The container's writable layer as saved. */
  async upperLayer(container: ContainerRecord): Promise<Layer> {
    const file = join(this.#containerDir(container), 'upper.tar');
    if (!existsSync(file)) return Layer.fromEntries([]);
    return Layer.fromTar(new Uint8Array(readFileSync(file)));
  }

  upperSize(container: ContainerRecord): number {
    try {
      return statSync(join(this.#containerDir(container), 'upper.tar')).size;
    } catch {
      return 0;
    }
  }

  /** Mounts a container: its image's layers with its saved writable layer on top. */
  async mount(container: ContainerRecord, progress?: Progress): Promise<Overlay> {
    const lowers = await this.layers(this.containerImage(container), progress);
    return mountContainer(lowers, await this.upperLayer(container), { clock: this.#clock });
  }

  /** Saves a mounted container's writable layer (after file operations). */
  saveUpper(container: ContainerRecord, overlay: Overlay): void {
    const upper = overlay.commitSync();
    writeFileAtomic(join(this.#containerDir(container), 'upper.tar'), upper.tarChunks(), this.tmpDir);
  }

  /** Removes a container (its record and writable layer), then unused blobs. */
  async removeContainer(container: ContainerRecord): Promise<GcResult> {
    const dir = this.#containerDir(container);
    const trash = join(this.dir, CONTAINERS, `.trash-${container.id}`);
    renameSync(dir, trash);
    syncDir(join(this.dir, CONTAINERS));
    rmSync(trash, { recursive: true, force: true });
    this.#containers = undefined;
    return this.gc();
  }

  // ---------------------------------------------------------------- references and garbage

  #roots(): RefRoot[] {
    const roots: RefRoot[] = [];
    for (const image of this.#images.values()) {
      if (image.names.length === 0) roots.push({ holder: `image ${shortHex(image.id)}`, manifestDigest: image.manifestDigest });
      for (const name of image.names) roots.push({ holder: `tag ${name}`, manifestDigest: image.manifestDigest });
    }
    for (const c of this.containers()) roots.push({ holder: `container ${c.name}`, manifestDigest: c.image });
    return roots;
  }

  refCounts(): RefCounts {
    const manifests = new Map<string, ImageManifest>();
    for (const image of this.#images.values()) manifests.set(image.manifestDigest, image.manifest);
    for (const c of this.containers()) {
      if (!manifests.has(c.image)) manifests.set(c.image, this.containerImage(c).manifest);
    }
    return countReferences(this.#roots(), manifests);
  }

  /** Deletes every blob nothing references. */
  async gc(): Promise<GcResult> {
    const refs = this.refCounts();
    const garbage = unreferencedBlobs(this.blobs.listSync(), refs);
    let bytes = 0;
    for (const digest of garbage) {
      bytes += this.blobs.sizeSync(digest) ?? 0;
      await this.blobs.delete(digest);
      this.#layerCache.delete(digest);
      for (const [diffId, d] of this.#layerBlobs) if (d.digest === digest) this.#layerBlobs.delete(diffId);
    }
    return { blobs: garbage, bytes };
  }

  /** `docker image prune`: untagged images no container uses, then unreferenced blobs. */
  async prune(): Promise<GcResult & { images: string[] }> {
    const used = new Set(this.containers().map((c) => c.image));
    const images: string[] = [];
    for (const image of [...this.#images.values()]) {
      if (image.names.length === 0 && !used.has(image.manifestDigest)) {
        this.#images.delete(image.manifestDigest);
        images.push(image.id);
      }
    }
    if (images.length > 0) this.#writeIndex();
    return { images, ...(await this.gc()) };
  }

  /** Bytes used, shared and unique (`docker system df`). */
  diskUsage(): DiskUsage {
    const refs = this.refCounts();
    const stored = this.blobs.listSync();
    const sizeOf = new Map(stored.map((d) => [d, this.blobs.sizeSync(d) ?? 0]));
    const imageCount = new Map<string, number>();
    for (const image of this.#images.values()) {
      for (const digest of new Set(image.manifest.layers.map((l) => l.digest))) imageCount.set(digest, (imageCount.get(digest) ?? 0) + 1);
    }
    let layerBytes = 0;
    let sharedBytes = 0;
    let uniqueBytes = 0;
    for (const [digest, count] of imageCount) {
      const size = sizeOf.get(digest) ?? 0;
      layerBytes += size;
      if (count > 1) sharedBytes += size;
      else uniqueBytes += size;
    }
    const imageBlobs = new Set<string>();
    for (const image of this.#images.values()) {
      imageBlobs.add(image.manifestDigest);
      imageBlobs.add(image.id);
      for (const l of image.manifest.layers) imageBlobs.add(l.digest);
    }
    const perImage = this.images().map((image) => {
      let shared = 0;
      let unique = 0;
      for (const digest of new Set(image.manifest.layers.map((l) => l.digest))) {
        const size = sizeOf.get(digest) ?? 0;
        if ((imageCount.get(digest) ?? 0) > 1) shared += size;
        else unique += size;
      }
      return { id: image.id, names: image.names, size: image.size, sharedBytes: shared, uniqueBytes: unique };
    });
    const garbage = unreferencedBlobs(stored, refs);
    const containers = this.containers();
    const containerBytes = containers.reduce((n, c) => n + this.upperSize(c), 0);
    const blobBytes = [...sizeOf.values()].reduce((a, b) => a + b, 0);
    return {
      images: { count: this.#images.size, bytes: [...imageBlobs].reduce((n, d) => n + (sizeOf.get(d) ?? 0), 0) },
      containers: { count: containers.length, bytes: containerBytes },
      layers: { count: imageCount.size, bytes: layerBytes, sharedBytes, uniqueBytes },
      perImage,
      unreferenced: { count: garbage.length, bytes: garbage.reduce((n, d) => n + (sizeOf.get(d) ?? 0), 0) },
      totalBytes: blobBytes + containerBytes,
    };
  }
}

