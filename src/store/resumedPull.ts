/**
 * A pull run again after it was stopped (issue 15, "An interrupted push or pull ... Run again,
 * the transfer sends only what is still missing"): the layers it finished are blobs no image
 * lists yet, so the store does not know them by DiffID. Each one has the index the store wrote
 * for it, and that index is the proof: it is written only after the blob met its digest and its
 * tar the DiffID (ingest.ts `finish`), and it names both.
 */
import type { BlobStore, Descriptor } from '../image/index.js';
import { blobIntact } from './blobCheck.js';
import type { LayerCache } from './LayerCache.js';

/**
 * The stored blob the manifest names for layer `diffId`, when its index names that DiffID and
 * its bytes still hash to its digest. A blob edited on disk is not trusted (issue 10, "Verify
 * digests on read"): it is deleted with its caches, so the download that follows stores good
 * bytes under its name (a blob store keeps the first file under a digest, BlobStore.put); not
 * with `repair` false (a dry run changes nothing).
 */
export async function resumedLayerBlob(blobs: BlobStore, caches: LayerCache, diffId: string, blob: Descriptor, repair = true): Promise<Descriptor | undefined> {
  if (!(await caches.describes({ blob: blob.digest, diffId }))) return undefined;
  const intact = await blobIntact(blobs, blob.digest);
  if (intact === false && repair) {
    await caches.drop([blob.digest]);
    await blobs.delete(blob.digest);
  }
  if (intact !== true) return undefined;
  return { mediaType: blob.mediaType, digest: blob.digest, size: (await blobs.size(blob.digest)) ?? blob.size };
}
