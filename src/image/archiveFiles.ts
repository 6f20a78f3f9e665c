/**
 * The files of an archive being saved (`overlay save`), as streams: a layer is read from the
 * store chunk by chunk while the archive is written, never whole in memory. Reading archives:
 * archive.ts.
 */
import { sha256Digest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { OCI_LAYOUT_VERSION, blobPath, type DockerManifestItem } from './archive.js';
import { RunningDigest } from './BlobStore.js';
import { encodeJson } from './json.js';
import { CONTAINERD_NAME_ANNOTATION, MediaTypes, REF_NAME_ANNOTATION } from './mediaTypes.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from './types.js';

/** A file of an archive being written: its size is known before its bytes are read. */
export interface ArchiveFile {
  path: string;
  size: number;
  /** The bytes, read when iterated; the iteration throws if they are not `size` bytes. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** An image to save, as the store holds it. */
export interface StoredImageBlobs {
  names: string[];
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  manifestDigest: string;
  configBytes: Uint8Array;
  config: ImageConfig;
}

/** A stream whose length is known before it is read. */
export interface SizedChunks {
  size: number;
  chunks(): AsyncIterable<Uint8Array>;
  /** sha256 of the bytes, when the reader computed it while finding the size. */
  digest?: string;
}

export interface BlobReader {
  /** A stored blob by digest, in chunks. */
  blobChunks(digest: string): AsyncIterable<Uint8Array>;
  /** The uncompressed tar of a stored layer (its sha256 is the DiffID). */
  layerTar(descriptor: Descriptor): Promise<SizedChunks>;
}

export type ArchiveFormat = 'oci' | 'docker';

export function indexEntry(descriptor: Descriptor, name: string | undefined, fullName = false): Descriptor {
  const entry: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  if (name !== undefined) {
    entry.annotations = { [REF_NAME_ANNOTATION]: name };
    if (fullName) entry.annotations[CONTAINERD_NAME_ANNOTATION] = name;
  }
  return entry;
}

/** A small document as an archive file. */
export function bytesFile(path: string, bytes: Uint8Array): ArchiveFile {
  return {
    path,
    size: bytes.length,
    async *chunks() {
      if (bytes.length > 0) yield bytes;
    },
  };
}

/** The whole bytes of an archive file (for documents and tests). */
export async function archiveFileBytes(file: ArchiveFile): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  let pos = 0;
  for await (const chunk of file.chunks()) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

function mismatch(what: string, expected: string, actual: string): DomainError {
  return new DomainError('DigestMismatchError', `${what} does not uncompress to its DiffID ${expected} (got ${actual})`, { expected, actual });
}

/**
 * `chunks` checked on the way: exactly `size` bytes (a tar member's header already gave its
 * size), and when `digest` is given, bytes that hash to it.
 */
async function* checkedChunks(chunks: AsyncIterable<Uint8Array>, size: number, what: string, digest?: { expected: string; error: string }): AsyncIterable<Uint8Array> {
  const running = digest === undefined ? undefined : new RunningDigest();
  const changed = (got: string): DomainError => new DomainError('ImageFormatError', `${what} is not the size it was said to be: ${size} bytes, got ${got}`, { what });
  let seen = 0;
  for await (const chunk of chunks) {
    seen += chunk.length;
    if (seen > size) throw changed('more');
    running?.update(chunk);
    yield chunk;
  }
  if (seen !== size) throw changed(String(seen));
  if (running !== undefined && digest !== undefined) {
    const actual = running.finish();
    if (actual !== digest.expected) throw mismatch(digest.error, digest.expected, actual);
  }
}

function streamed(path: string, size: number, chunks: () => AsyncIterable<Uint8Array>, digest?: { expected: string; error: string }): ArchiveFile {
  return { path, size, chunks: () => checkedChunks(chunks(), size, path, digest) };
}

/**
 * The files of a saved archive:
 * - `oci`: an OCI image layout with the store's own blobs (layers stay compressed), tagged
 *   `name:tag` as in the store — what `skopeo copy oci:STORE:NAME oci-archive:FILE` gives;
 * - `docker`: what `docker save` writes since Docker 25 (moby image/tarexport/save.go), a tar that is both an
 *   OCI layout and a docker-archive: uncompressed layer blobs (blob digest = DiffID),
 *   `manifest.json` pointing into `blobs/`, and `repositories`.
 * Layer bytes are read only when the returned files are iterated.
 */
export async function archiveFiles(images: readonly StoredImageBlobs[], format: ArchiveFormat, reader: BlobReader): Promise<ArchiveFile[]> {
  const blobs = new Map<string, ArchiveFile>();
  const putBytes = (digest: string, bytes: Uint8Array): void => void blobs.set(digest, bytesFile(blobPath(digest), bytes));
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
  const dockerItems: DockerManifestItem[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    let manifestDescriptor: Descriptor;
    if (format === 'oci') {
      putBytes(image.manifestDigest, image.manifestBytes);
      putBytes(image.manifest.config.digest, image.configBytes);
      for (const layer of image.manifest.layers) {
        if (!blobs.has(layer.digest)) blobs.set(layer.digest, streamed(blobPath(layer.digest), layer.size, () => reader.blobChunks(layer.digest)));
      }
      manifestDescriptor = { mediaType: MediaTypes.ociManifest, digest: image.manifestDigest, size: image.manifestBytes.length };
    } else {
      const layers: Descriptor[] = [];
      for (const [i, layer] of image.manifest.layers.entries()) {
        const diffId = image.config.rootfs.diff_ids[i]!;
        let tar = blobs.get(diffId);
        if (tar === undefined) {
          const sized = await reader.layerTar(layer);
          const what = `layer ${layer.digest}`;
          // A digest the reader computed is checked before anything is written; otherwise the
          // bytes are hashed as they are written and a mismatch ends the archive with an error.
          if (sized.digest !== undefined && sized.digest !== diffId) throw mismatch(what, diffId, sized.digest);
          tar = streamed(blobPath(diffId), sized.size, () => sized.chunks(), sized.digest === undefined ? { expected: diffId, error: what } : undefined);
          blobs.set(diffId, tar);
        }
        layers.push({ mediaType: MediaTypes.ociLayer, digest: diffId, size: tar.size });
      }
      const config: Descriptor = { mediaType: MediaTypes.ociConfig, digest: image.manifest.config.digest, size: image.configBytes.length };
      putBytes(config.digest, image.configBytes);
      const manifestBytes = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers });
      manifestDescriptor = { mediaType: MediaTypes.ociManifest, digest: sha256Digest(manifestBytes), size: manifestBytes.length };
      putBytes(manifestDescriptor.digest, manifestBytes);
      dockerItems.push({
        Config: blobPath(config.digest),
        RepoTags: image.names.length > 0 ? [...image.names] : null,
        Layers: layers.map((l) => blobPath(l.digest)),
      });
      const top = layers.at(-1);
      for (const name of image.names) {
        if (top === undefined) continue;
        const colon = name.lastIndexOf(':');
        (repositories[name.slice(0, colon)] ??= {})[name.slice(colon + 1)] = top.digest.slice('sha256:'.length);
      }
    }
    if (image.names.length === 0) index.manifests.push(indexEntry(manifestDescriptor, undefined));
    for (const name of image.names) index.manifests.push(indexEntry(manifestDescriptor, name, format === 'docker'));
  }
  const files: ArchiveFile[] = [...blobs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, file]) => file);
  files.push(bytesFile('index.json', encodeJson(index)));
  if (format === 'docker') files.push(bytesFile('manifest.json', new TextEncoder().encode(JSON.stringify(dockerItems))));
  files.push(bytesFile('oci-layout', encodeJson({ imageLayoutVersion: OCI_LAYOUT_VERSION })));
  if (format === 'docker' && Object.keys(repositories).length > 0) files.push(bytesFile('repositories', encodeJson(repositories)));
  return files;
}
