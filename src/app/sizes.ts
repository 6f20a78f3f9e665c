/**
 * The sizes `overlay` shows, defined once. Every verb shows these and only these, under these
 * names (README, "Sizes"):
 *
 * - **content size** (`contentBytes`): bytes of file data a layer holds, uncompressed, each
 *   hard-linked file once; no tar headers, no directories. A layer's comes from its index
 *   header (`dataBytes`), a container's writable layer's from the layer itself, an image's is
 *   the sum over its layers. It is what `docker history` and `docker images` mean by size.
 * - **compressed size** (`compressedBytes`): bytes of a layer's blob as stored (gzip), what
 *   `save --format oci` writes and a registry moves. An image's is the sum over its layers.
 * - **disk size** (`df` only): bytes the store's files take on disk, every blob once (manifests
 *   and configs too) and the containers' saved writable layers (tar and appended segments).
 */
import type { ContainerRecord, ImageRecord, Store } from '../store/index.js';

export interface Sizes {
  /** Uncompressed bytes of file data. */
  contentBytes: number;
  /** Bytes of the stored (gzip) blobs. */
  compressedBytes: number;
}

/** The sizes of each of an image's layers, base first (index headers only: no layer is read). */
export async function layerSizes(store: Store, image: ImageRecord): Promise<Sizes[]> {
  const content = await store.layerDataBytes(image);
  return image.manifest.layers.map((blob, i) => ({ contentBytes: content[i]!, compressedBytes: blob.size }));
}

/** An image's sizes: the sums over its layers. */
export async function imageSizes(store: Store, image: ImageRecord): Promise<Sizes> {
  const layers = await layerSizes(store, image);
  return { contentBytes: sum(layers.map((l) => l.contentBytes)), compressedBytes: sum(layers.map((l) => l.compressedBytes)) };
}

/** The content size of a container's writable layer (it has no compressed form until committed). */
export async function upperContentBytes(store: Store, container: ContainerRecord): Promise<number> {
  return (await store.upperLayer(container)).size;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
