/** Use cases on images: list, import, tag, remove, history, and which images share a layer. */
import { chainIds } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { historyRows, imageConfig, parseImageName, type HistoryRow } from '../image/index.js';
import type { Layer, LayerHistory } from '../layer/index.js';
import type { ImageRecord, ProgressSink, RemoveImageResult, Store } from '../store/index.js';
import { imageByRef } from './refs.js';
import { imageSizes, layerSizes, type Sizes } from './sizes.js';

export interface ImageRow {
  repository: string;
  tag: string;
  id: string;
  digest: string;
  created: string | undefined;
  /** Uncompressed file data of its layers (see sizes.ts). */
  contentBytes: number;
  /** Its layer blobs as stored (see sizes.ts). */
  compressedBytes: number;
  layers: number;
}

/** `overlay images`: one row per name (`<none>` for an untagged image), sorted by name. */
export async function listImages(store: Store): Promise<ImageRow[]> {
  const sized: [ImageRecord, Sizes][] = [];
  for (const image of store.images()) sized.push([image, await imageSizes(store, image)]);
  const rows = sized.flatMap(([image, sizes]) => {
    const names = image.names.length > 0 ? image.names : [undefined];
    return names.map((n) => {
      const parsed = n === undefined ? undefined : parseImageName(n);
      return {
        repository: parsed?.name ?? '<none>',
        tag: parsed?.tag ?? '<none>',
        id: image.id,
        digest: image.manifestDigest,
        created: image.config.created,
        contentBytes: sizes.contentBytes,
        compressedBytes: sizes.compressedBytes,
        layers: image.config.rootfs.diff_ids.length,
      };
    });
  });
  return rows.sort((a, b) => (a.repository + ':' + a.tag).localeCompare(b.repository + ':' + b.tag));
}

export interface ImportInput {
  /**
   * The layer: a tar (plain or gzip), stored as given like `docker import` keeps its tarball,
   * or a layer already decoded (a host directory), stored as its canonical tar.
   */
  source: { tar: AsyncIterable<Uint8Array> } | { layer: Layer };
  /** The layer's history entry (`created`, `createdBy`, …). */
  history: LayerHistory;
  name?: string;
  /** ISO 8601 creation time of the image. */
  created: string;
  author?: string;
  progress?: ProgressSink;
}

/** `overlay import`: a one-layer image for the store's platform (like `docker import`). */
export async function importImage(store: Store, input: ImportInput): Promise<{ image: ImageRecord; diffId: string; layer: Layer }> {
  const spec = { architecture: store.platform.architecture, os: store.platform.os, created: input.created, ...(input.author === undefined ? {} : { author: input.author }) };
  // The layer is stored first: its DiffID is hashed as its tar streams into the store.
  const { source } = input;
  const { diffId, layer } =
    'tar' in source ? await store.storeLayerTar(source.tar, input.progress) : { diffId: await store.storeLayer(source.layer, input.progress), layer: source.layer };
  const image = await store.addImage({
    config: imageConfig(spec, [{ diffId, history: input.history }]),
    names: input.name === undefined ? [] : [input.name],
  });
  return { image, diffId, layer };
}

/** `overlay tag`: returns the new name in canonical form. */
export async function tagImage(store: Store, source: string, target: string): Promise<string> {
  return store.tag(imageByRef(store, source), target);
}

/** `overlay rmi`: each reference in turn (see the store's rmi policy). */
export async function removeImages(store: Store, refs: readonly string[], options: { force?: boolean } = {}): Promise<RemoveImageResult[]> {
  const out: RemoveImageResult[] = [];
  for (const ref of refs) {
    try {
      // The store finds damaged images too (`rmi -f` removes them): ask it first.
      out.push(await store.removeImage(ref, options));
    } catch (error) {
      // A missing tag: the error that lists the tags its name has.
      if (error instanceof DomainError && error.code === 'NotFoundError') imageByRef(store, ref);
      throw error;
    }
  }
  return out;
}

export interface HistoryStep extends HistoryRow {
  /** The ID of the image this step made, when that image is in the store; else `null`. */
  image: string | null;
  /** Content size of the step's layer (0 for a step without one; see sizes.ts). */
  contentBytes: number;
  /** Compressed size of the step's layer (0 for a step without one). */
  compressedBytes: number;
}

/**
 * `overlay history`: the steps of an image (or of a container's image), newest first. A step
 * shows an image ID when an image with exactly the history and DiffIDs so far is in the store,
 * as Docker shows the IDs of parent images and `<missing>` for the rest.
 */
export async function imageHistory(store: Store, ref: string): Promise<HistoryStep[]> {
  const container = await store.findContainer(ref);
  const image = container === undefined ? imageByRef(store, ref) : await store.containerImage(container);
  // Sizes from the layer indexes: history reads no layer.
  const sizes = await layerSizes(store, image);
  const all = historyRows(image.config);
  const others = store.images();
  const steps = all.map((row, i) => {
    let id: string | undefined = i === all.length - 1 ? image.id : undefined;
    if (id === undefined) {
      const layerCount = all.slice(0, i + 1).filter((r) => r.layerIndex !== undefined).length;
      const diffs = image.config.rootfs.diff_ids.slice(0, layerCount);
      const match = others.find(
        (o) => (o.config.history?.length ?? 0) === i + 1 && o.config.rootfs.diff_ids.length === layerCount && o.config.rootfs.diff_ids.every((d, k) => d === diffs[k]),
      );
      id = match?.id;
    }
    const size = row.layerIndex === undefined ? { contentBytes: 0, compressedBytes: 0 } : sizes[row.layerIndex]!;
    return { ...row, image: id ?? null, ...size };
  });
  return steps.reverse();
}

export interface LayerUse {
  diffId: string;
  blob: string;
  mediaType: string;
  /** See sizes.ts. */
  contentBytes: number;
  compressedBytes: number;
  createdBy: string;
  /** Images that have this layer, with its position and ChainID in each. */
  images: { image: string; names: string[]; index: number; chainId: string }[];
  /** Containers whose image has this layer. */
  containers: string[];
}

/** `overlay layers`: every stored layer (or those of `refs`) and who shares it. */
export async function layerUsage(store: Store, refs: readonly string[] = []): Promise<LayerUse[]> {
  const wanted = refs.map((r) => imageByRef(store, r));
  const byDiff = new Map<string, LayerUse>();
  const order: string[] = [];
  const images = wanted.length > 0 ? wanted : store.images();
  const containers = await store.containers();
  for (const image of store.images()) {
    const chains = chainIds(image.config.rootfs.diff_ids);
    const history = historyRows(image.config);
    const sizes = await layerSizes(store, image);
    image.manifest.layers.forEach((blob, index) => {
      const diffId = image.config.rootfs.diff_ids[index]!;
      let row = byDiff.get(diffId);
      if (row === undefined) {
        const step = history.find((h) => h.layerIndex === index);
        row = { diffId, blob: blob.digest, mediaType: blob.mediaType, ...sizes[index]!, createdBy: step?.createdBy ?? '', images: [], containers: [] };
        byDiff.set(diffId, row);
      }
      row.images.push({ image: image.id, names: image.names, index, chainId: chains[index]! });
      for (const c of containers) if (c.image === image.manifestDigest && !row.containers.includes(c.name)) row.containers.push(c.name);
    });
  }
  for (const image of images) for (const d of image.config.rootfs.diff_ids) if (!order.includes(d)) order.push(d);
  return order.map((d) => byDiff.get(d)!);
}
