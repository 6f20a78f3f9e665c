/**
 * A saved archive of stored images: its files, with the layers read from the blobs only as the
 * files are written, each blob checked against its digest as it streams out (blobCheck.ts).
 */
import { archiveFiles, type ArchiveFile, type ArchiveFormat, type BlobStore, type Descriptor } from '../image/index.js';
import { verifiedChunks } from './blobCheck.js';
import type { LayerCompression } from './compression.js';
import type { LayerCache } from './LayerCache.js';
import { uncompressedChunks } from './layerTarStream.js';
import type { ImageRecord } from './records.js';

/** What writing an archive needs of the store. */
export interface ArchiveTools {
  blobs: BlobStore;
  compression: LayerCompression;
  caches: LayerCache;
}

/**
 * The files of an archive holding these images (see `archiveFiles`); layers are read from
 * the blobs only as the files are written. The uncompressed size of a layer tar (its member
 * header comes first) is found by a first pass that also checks its DiffID.
 */
export async function imageArchive(images: readonly { image: ImageRecord; names: string[] }[], format: ArchiveFormat, store: ArchiveTools): Promise<ArchiveFile[]> {
  const merged = new Map<string, { image: ImageRecord; names: string[] }>();
  for (const { image, names } of images) {
    const entry = merged.get(image.manifestDigest);
    if (entry === undefined) merged.set(image.manifestDigest, { image, names: [...names] });
    else for (const n of names) if (!entry.names.includes(n)) entry.names.push(n);
  }
  // Every blob is hashed as it streams out: the DiffID check of a docker layer does not see a
  // damaged gzip header (its mtime, its name), and an OCI layer is copied as it is stored.
  const tarChunks = (descriptor: Descriptor): AsyncIterable<Uint8Array> =>
    uncompressedChunks(store.compression, verifiedChunks(store.blobs, descriptor.digest, 'layer'), `layer ${descriptor.digest}`);
  // Each layer blob's DiffID, for its cache key: the tar's size is in its index header.
  const diffIds = new Map<string, string>();
  for (const { image } of merged.values()) image.manifest.layers.forEach((l, i) => diffIds.set(l.digest, image.config.rootfs.diff_ids[i]!));
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
      blobChunks: (digest) => verifiedChunks(store.blobs, digest, 'layer'),
      // The size from the index header; the DiffID is checked as the tar streams out
      // (archiveFiles), so the blob is gunzipped once.
      layerTar: async (descriptor) => {
        const size = await store.caches.tarBytes({ blob: descriptor.digest, diffId: diffIds.get(descriptor.digest)! });
        return { size, chunks: () => tarChunks(descriptor) };
      },
    },
  );
}
