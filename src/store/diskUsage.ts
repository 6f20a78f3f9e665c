/** Bytes a store uses, shared and unique (`docker system df`), from what it holds. */
import { unreferencedBlobs, type RefCounts } from './gc.js';
import type { ImageRecord } from './records.js';

export interface DiskUsage {
  images: { count: number; bytes: number };
  containers: { count: number; bytes: number };
  layers: { count: number; bytes: number; sharedBytes: number; uniqueBytes: number };
  /** Bytes of layer blobs each image shares with another image / has alone. */
  perImage: { id: string; names: string[]; size: number; sharedBytes: number; uniqueBytes: number }[];
  unreferenced: { count: number; bytes: number };
  totalBytes: number;
}

export interface DiskUsageInput {
  /** The images of `index.json`. */
  images: readonly ImageRecord[];
  /** The size of each container's writable layer. */
  containerBytes: readonly number[];
  /** Every stored blob and its size. */
  blobSizes: ReadonlyMap<string, number>;
  refs: RefCounts;
}

/**
 * Layer blobs count once however many images list them: `shared` when more than one image
 * lists a blob, `unique` otherwise. Images count their manifest, config and layer blobs once
 * each; the total is every stored blob plus the containers' writable layers.
 */
export function diskUsage({ images, containerBytes, blobSizes, refs }: DiskUsageInput): DiskUsage {
  const sizeOf = (digest: string): number => blobSizes.get(digest) ?? 0;
  const imageCount = new Map<string, number>();
  for (const image of images) {
    for (const digest of new Set(image.manifest.layers.map((l) => l.digest))) imageCount.set(digest, (imageCount.get(digest) ?? 0) + 1);
  }
  let layerBytes = 0;
  let sharedBytes = 0;
  let uniqueBytes = 0;
  for (const [digest, count] of imageCount) {
    const size = sizeOf(digest);
    layerBytes += size;
    if (count > 1) sharedBytes += size;
    else uniqueBytes += size;
  }
  const imageBlobs = new Set<string>();
  for (const image of images) {
    imageBlobs.add(image.manifestDigest);
    imageBlobs.add(image.id);
    for (const l of image.manifest.layers) imageBlobs.add(l.digest);
  }
  const perImage = images.map((image) => {
    let shared = 0;
    let unique = 0;
    for (const digest of new Set(image.manifest.layers.map((l) => l.digest))) {
      if ((imageCount.get(digest) ?? 0) > 1) shared += sizeOf(digest);
      else unique += sizeOf(digest);
    }
    return { id: image.id, names: image.names, size: image.size, sharedBytes: shared, uniqueBytes: unique };
  });
  const garbage = unreferencedBlobs(blobSizes.keys(), refs);
  const containersTotal = containerBytes.reduce((a, b) => a + b, 0);
  const blobBytes = [...blobSizes.values()].reduce((a, b) => a + b, 0);
  return {
    images: { count: images.length, bytes: [...imageBlobs].reduce((n, d) => n + sizeOf(d), 0) },
    containers: { count: containerBytes.length, bytes: containersTotal },
    layers: { count: imageCount.size, bytes: layerBytes, sharedBytes, uniqueBytes },
    perImage,
    unreferenced: { count: garbage.length, bytes: garbage.reduce((n, d) => n + sizeOf(d), 0) },
    totalBytes: blobBytes + containersTotal,
  };
}
