/**
 * Layer blobs from a registry, as `skopeo copy` to an OCI layout stores them: each blob streams
 * to the store checked against its digest (a blob that fails is never stored, BlobWriter
 * `commit`), and nothing else is done. Its tar is read, checked against the config's DiffID and
 * made into the layer's pack and index at its first use (LayerCache.ts `#rebuild`), or by
 * `overlay fsck` (check.ts).
 *
 * A pull run again after it was stopped (issue 15, "An interrupted push or pull ... Run again,
 * the transfer sends only what is still missing"): the layers it finished are blobs no image
 * lists yet. Each one is stored under the digest the manifest names, which is the proof that
 * its bytes are what the registry sent for that layer: a blob is stored only once it met that
 * digest.
 */
import { putChunks, type BlobStore, type Descriptor } from '../image/index.js';
import { blobIntact } from './blobCheck.js';
import { tapped, type ProgressSink } from './ingest.js';
import type { LayerCache } from './LayerCache.js';

/** Stores a pulled layer blob as it streams, under `blob.digest` only when its bytes hash to it. */
export async function storePulledBlob(blobs: BlobStore, source: AsyncIterable<Uint8Array>, blob: Descriptor, progress?: ProgressSink): Promise<Descriptor> {
  const { size } = await putChunks(
    blobs,
    tapped(source, (chunk) => progress?.tick(chunk.length)),
    blob.digest,
  );
  return { mediaType: blob.mediaType, digest: blob.digest, size };
}

/**
 * The stored blob the manifest names for layer `diffId`, when its bytes still hash to its
 * digest, and no index of it names another DiffID (then its tar is known not to be this
 * layer's). A blob edited on disk is not trusted (issue 10, "Verify digests on read"): it is
 * deleted with its caches, so the download that follows stores good bytes under its name (a
 * blob store keeps the first file under a digest, BlobStore.put); not with `repair` false (a
 * dry run changes nothing).
 */
export async function resumedLayerBlob(blobs: BlobStore, caches: LayerCache, diffId: string, blob: Descriptor, repair = true): Promise<Descriptor | undefined> {
  if (!(await blobs.has(blob.digest))) return undefined;
  if (await caches.indexDiffers({ blob: blob.digest, diffId })) return undefined;
  const intact = await blobIntact(blobs, blob.digest);
  if (intact === false && repair) {
    await caches.drop([blob.digest]);
    await blobs.delete(blob.digest);
  }
  if (intact !== true) return undefined;
  return { mediaType: blob.mediaType, digest: blob.digest, size: (await blobs.size(blob.digest)) ?? blob.size };
}
