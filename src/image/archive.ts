/**
 * Reading images out of an OCI image layout (directory or tar, image-layout.md) or a
 * docker-archive (`docker save`; moby's image/tarexport writes and reads it). The files
 * themselves come through `FileSource`, so the same code serves a directory on disk, a tar
 * file read by positioned reads, files in memory or anything else. Writing: archiveFiles.ts.
 */
import { sha256Digest } from '../digest/index.js';
import { RunningDigest } from './BlobStore.js';
import { DomainError } from '../errors/index.js';
import type { PositionedReader } from '../layer/index.js';
import { isObject, parseJson } from './json.js';
import { MediaTypes, isIndexType, isManifestType, layerCompression } from './mediaTypes.js';
import { parseConfig, parseIndex, parseManifest } from './parse.js';
import { canonicalName, familiarName, nameFromAnnotations } from './reference.js';
import type { Descriptor, ImageConfig, ImageManifest, Platform } from './types.js';

/**
 * Read access to the files of a layout or archive; paths are relative (`blobs/sha256/…`).
 * Documents are read whole; layers are streamed, so a source never needs to hold one.
 */
export interface FileSource {
  read(path: string): Promise<Uint8Array | undefined>;
  /** Bytes of the file, `undefined` when absent. */
  size(path: string): Promise<number | undefined>;
  /** The file's bytes in chunks of bounded size, each a fresh array; `ImageFormatError` when absent. */
  chunks(path: string): AsyncIterable<Uint8Array>;
  /** Synchronous positioned reads of the file, when the source can give them (a file on disk). */
  positioned?(path: string): SizedReader | undefined;
}

/** A file's bytes by positioned reads, and its size. */
export interface SizedReader {
  reader: PositionedReader;
  size: number;
}

/** Largest chunk `memorySource` hands out (a view, never a copy). */
const MEMORY_CHUNK = 1 << 20;

/** Files held in memory as a source (tests, browsers). */
export function memorySource(files: ReadonlyMap<string, Uint8Array>): FileSource {
  return {
    read: async (path) => files.get(path),
    size: async (path) => files.get(path)?.length,
    async *chunks(path) {
      const bytes = files.get(path);
      if (bytes === undefined) throw bad(`${path} is missing`, { path });
      for (let pos = 0; pos < bytes.length; pos += MEMORY_CHUNK) yield bytes.subarray(pos, Math.min(pos + MEMORY_CHUNK, bytes.length));
    },
  };
}

/** A layer of an image being loaded. */
export interface SourceLayer {
  /** Media type of the blob (a docker-archive layer is `…layer.v1.tar`, whatever the file holds). */
  mediaType: string;
  /** The blob's digest when a manifest names it (then it is verified on read). */
  digest?: string;
  /** DiffID from the config: sha256 of the uncompressed tar. */
  diffId: string;
  /** Bytes of the blob as stored in the source (for progress totals). */
  size: number;
  /** The blob's bytes, as stored in the source (maybe compressed). */
  read(): Promise<Uint8Array>;
  /**
   * The same bytes in chunks, never whole in memory. With a `digest`, the iteration throws
   * `DigestMismatchError` after the last chunk when the bytes do not match it.
   */
  chunks(): AsyncIterable<Uint8Array>;
  /**
   * The bytes as stored, not checked against `digest`: for a reader that hashes them anyway
   * (the store's ingest checks the blob's digest and the DiffID in the same pass).
   */
  uncheckedChunks(): AsyncIterable<Uint8Array>;
  /**
   * The bytes as stored by positioned reads, not checked against `digest`, when the source
   * gives them: `overlay analyze` indexes an uncompressed layer by its headers this way
   * (`Layer.fromIndexedTar`). Only for layers whose `chunks` check no digest either.
   */
  positioned?(): SizedReader | undefined;
}

/** An image found in a layout or archive. */
export interface SourceImage {
  /** `name:tag` names given to it (none for an untagged image). */
  names: string[];
  configBytes: Uint8Array;
  config: ImageConfig;
  layers: SourceLayer[];
}

export const OCI_LAYOUT_VERSION = '1.0.0';

function bad(message: string, data: Record<string, unknown> = {}): DomainError {
  return new DomainError('ImageFormatError', message, data);
}

/** `blobs/<alg>/<encoded>` of a digest (image-layout.md "Blobs"). */
export function blobPath(digest: string): string {
  const colon = digest.indexOf(':');
  const alg = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon <= 0 || !/^[a-z0-9+._-]+$/.test(alg) || !/^[a-zA-Z0-9=_-]+$/.test(hex)) throw bad(`invalid digest ${digest}`, { digest });
  return `blobs/${alg}/${hex}`;
}

async function readRequired(source: FileSource, path: string, what: string): Promise<Uint8Array> {
  const bytes = await source.read(path);
  if (bytes === undefined) throw bad(`${what} is missing (${path})`, { path });
  return bytes;
}

function checkBlob(descriptor: Descriptor, what: string, digest: string, size: number): void {
  if (digest !== descriptor.digest) {
    throw new DomainError('DigestMismatchError', `${what} ${descriptor.digest} does not match its content (${digest})`, {
      expected: descriptor.digest,
      actual: digest,
    });
  }
  if (size !== descriptor.size) throw bad(`${what} ${descriptor.digest} has ${size} bytes, its descriptor says ${descriptor.size}`);
}

async function readBlob(source: FileSource, descriptor: Descriptor, what: string): Promise<Uint8Array> {
  const bytes = await readRequired(source, blobPath(descriptor.digest), what);
  checkBlob(descriptor, what, sha256Digest(bytes), bytes.length);
  return bytes;
}

/** A blob's chunks, checked as `readBlob` checks it once the last one has passed. */
async function* blobChunks(source: FileSource, descriptor: Descriptor, what: string): AsyncIterable<Uint8Array> {
  const digest = new RunningDigest();
  let size = 0;
  for await (const chunk of source.chunks(blobPath(descriptor.digest))) {
    digest.update(chunk);
    size += chunk.length;
    yield chunk;
  }
  checkBlob(descriptor, what, digest.finish(), size);
}

export function isOciLayout(files: { has(path: string): boolean }): boolean {
  return files.has('oci-layout') && files.has('index.json');
}

/** Checks the `oci-layout` file (image-layout.md: `imageLayoutVersion`, currently 1.0.0). */
export function checkLayoutFile(bytes: Uint8Array): void {
  const value = parseJson(bytes, 'oci-layout');
  if (!isObject(value) || typeof value['imageLayoutVersion'] !== 'string') throw bad('oci-layout has no imageLayoutVersion');
  if (!value['imageLayoutVersion'].startsWith('1.')) throw bad(`unsupported image layout version ${value['imageLayoutVersion']}`);
}

function platformScore(platform: Platform | undefined, want: Platform | undefined): number {
  if (platform === undefined) return 1;
  if (platform.os !== (want?.os ?? 'linux')) return 0;
  return want === undefined || platform.architecture === want.architecture ? 3 : 2;
}

/**
 * The images of an OCI image layout. Entries of `index.json` pointing at one manifest are one
 * image with all their names; a nested index contributes the manifest for `platform` (or the
 * first Linux one); entries of unknown media types are ignored (image-layout.md).
 */
export async function readOciLayout(source: FileSource, platform?: Platform): Promise<SourceImage[]> {
  checkLayoutFile(await readRequired(source, 'oci-layout', 'oci-layout'));
  const index = parseIndex(await readRequired(source, 'index.json', 'index.json'));
  const byManifest = new Map<string, { descriptor: Descriptor; names: string[] }>();
  const resolve = async (descriptor: Descriptor, depth: number): Promise<Descriptor | undefined> => {
    if (isManifestType(descriptor.mediaType)) return descriptor;
    if (!isIndexType(descriptor.mediaType) || depth > 4) return undefined;
    const nested = parseIndex(await readBlob(source, descriptor, 'image index'), `image index ${descriptor.digest}`);
    let best: Descriptor | undefined;
    let bestScore = 0;
    for (const candidate of nested.manifests) {
      const resolved = await resolve(candidate, depth + 1);
      const score = platformScore(candidate.platform, platform);
      if (resolved !== undefined && score > bestScore) [best, bestScore] = [resolved, score];
    }
    return best;
  };
  for (const entry of index.manifests) {
    const descriptor = await resolve(entry, 0);
    if (descriptor === undefined) continue;
    let image = byManifest.get(descriptor.digest);
    if (image === undefined) byManifest.set(descriptor.digest, (image = { descriptor, names: [] }));
    const name = nameFromAnnotations(entry.annotations);
    if (name !== undefined && !image.names.includes(name)) image.names.push(name);
  }
  const images: SourceImage[] = [];
  for (const { descriptor, names } of byManifest.values()) {
    const manifest = parseManifest(await readBlob(source, descriptor, 'image manifest'), `image manifest ${descriptor.digest}`);
    const configBytes = await readBlob(source, manifest.config, 'image config');
    const config = parseConfig(configBytes, `image config ${manifest.config.digest}`);
    images.push({ names, configBytes, config, layers: manifestLayers(source, manifest, config) });
  }
  return images;
}

function manifestLayers(source: FileSource, manifest: ImageManifest, config: ImageConfig): SourceLayer[] {
  const diffIds = config.rootfs.diff_ids;
  if (manifest.layers.length !== diffIds.length) {
    throw bad(`image ${manifest.config.digest} lists ${manifest.layers.length} layers but ${diffIds.length} DiffIDs`);
  }
  return manifest.layers.map((descriptor, i) => {
    const compression = layerCompression(descriptor.mediaType);
    if (compression === undefined) throw bad(`layer ${descriptor.digest} has media type ${descriptor.mediaType}, which is no layer`);
    if (compression === 'zstd') throw bad(`layer ${descriptor.digest} is zstd-compressed, which is not supported`);
    if (descriptor.urls !== undefined && descriptor.urls.length > 0) throw bad(`layer ${descriptor.digest} is a foreign layer (urls), which is not supported`);
    return {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      diffId: diffIds[i]!,
      size: descriptor.size,
      read: () => readBlob(source, descriptor, 'layer'),
      chunks: () => blobChunks(source, descriptor, 'layer'),
      uncheckedChunks: () => source.chunks(blobPath(descriptor.digest)),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// docker-archive

/** One item of a docker-archive's `manifest.json` (moby image/tarexport `manifestItem`). */
export interface DockerManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
  LayerSources?: Record<string, Descriptor>;
}

/** A path from `manifest.json`, cleaned; paths that leave the archive are refused. */
function archivePath(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || raw === '') throw bad(`manifest.json: ${what} must be a path`);
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new DomainError('UnsafeTarEntryError', `manifest.json: ${what} leaves the archive: ${raw}`, { path: raw });
    parts.push(part);
  }
  return parts.join('/');
}

export function parseDockerManifest(bytes: Uint8Array): DockerManifestItem[] {
  const value = parseJson(bytes, 'manifest.json');
  if (!Array.isArray(value)) throw bad('manifest.json must be an array');
  return value.map((item, i) => {
    if (!isObject(item)) throw bad(`manifest.json item ${i} must be an object`);
    if (!Array.isArray(item['Layers'])) throw bad(`manifest.json item ${i}: Layers must be an array`);
    const tags = item['RepoTags'];
    return {
      Config: archivePath(item['Config'], `item ${i} Config`),
      RepoTags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : null,
      Layers: item['Layers'].map((l, j) => archivePath(l, `item ${i} layer ${j}`)),
    };
  });
}

/**
 * The images of a docker-archive, legacy (`<id>/layer.tar`, `<hex>.json`) or Docker 25+
 * (`blobs/sha256/…`): `manifest.json` says where each config and layer is (both forms: moby image/tarexport/load.go).
 */
export async function readDockerArchive(source: FileSource): Promise<SourceImage[]> {
  const items = parseDockerManifest(await readRequired(source, 'manifest.json', 'manifest.json'));
  const images: SourceImage[] = [];
  for (const item of items) {
    const configBytes = await readRequired(source, item.Config, 'image config');
    const config = parseConfig(configBytes, `image config ${item.Config}`);
    const diffIds = config.rootfs.diff_ids;
    if (item.Layers.length !== diffIds.length) throw bad(`manifest.json lists ${item.Layers.length} layers for an image with ${diffIds.length} DiffIDs`);
    const names: string[] = [];
    for (const tag of item.RepoTags ?? []) {
      const name = canonicalName(familiarName(tag));
      if (!names.includes(name)) names.push(name);
    }
    const layers: SourceLayer[] = [];
    for (const [i, path] of item.Layers.entries()) {
      const size = await source.size(path);
      if (size === undefined) throw bad(`layer is missing (${path})`, { path });
      layers.push({
        mediaType: MediaTypes.ociLayer,
        diffId: diffIds[i]!,
        size,
        read: () => readRequired(source, path, 'layer'),
        chunks: () => source.chunks(path),
        uncheckedChunks: () => source.chunks(path),
        ...(source.positioned === undefined ? {} : { positioned: () => source.positioned!(path) }),
      });
    }
    images.push({ names, configBytes, config, layers });
  }
  return images;
}

/** Reads whichever format the source holds: an OCI layout when it has one, else a docker-archive. */
export async function readImageArchive(source: FileSource, platform?: Platform): Promise<SourceImage[]> {
  if ((await source.read('oci-layout')) !== undefined && (await source.read('index.json')) !== undefined) {
    return readOciLayout(source, platform);
  }
  if ((await source.read('manifest.json')) !== undefined) return readDockerArchive(source);
  throw bad('neither an OCI image layout (oci-layout, index.json) nor a docker-archive (manifest.json)');
}
