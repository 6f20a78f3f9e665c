/** `overlay save` and `overlay load`: images to and from docker-archive and OCI layout files. */
import { DomainError } from '../errors/index.js';
import { canonicalName, readImageArchive, tryCanonicalName, type ArchiveFile, type ArchiveFormat, type FileSource } from '../image/index.js';
import type { ImageRecord, ProgressSink, Store } from '../store/index.js';
import { imageByRef } from './refs.js';

/**
 * The files of an archive of these images. An image given by name keeps that name; one given
 * by ID is saved without names, as `docker save` does.
 */
export async function saveImages(store: Store, refs: readonly string[], format: ArchiveFormat): Promise<ArchiveFile[]> {
  const picks = refs.map((ref) => {
    const image = imageByRef(store, ref);
    const name = tryCanonicalName(ref);
    return { image, names: name !== undefined && image.names.includes(name) ? [name] : [] };
  });
  return store.archive(picks, format);
}

/** Progress of a load: bytes of the layers read, out of the total it is given first. */
export interface LoadProgress extends ProgressSink {
  setTotal?(total: number): void;
}

/**
 * Loads the images of an archive or layout; `tag` names the one image it must hold. The
 * progress total is the bytes of the layers the store does not have yet, as stored in the
 * source.
 */
export async function loadImages(store: Store, source: FileSource, options: { tag?: string; progress?: LoadProgress } = {}): Promise<ImageRecord[]> {
  const images = await readImageArchive(source, store.platform);
  if (options.tag !== undefined) {
    if (images.length !== 1) throw new DomainError('InvalidArgumentError', `--tag needs an archive with exactly one image (this one has ${images.length})`);
    images[0]!.names = [canonicalName(options.tag)];
  }
  const sizes = new Map<string, number>();
  for (const layer of images.flatMap((i) => i.layers)) if (store.layerBlob(layer.diffId) === undefined) sizes.set(layer.diffId, layer.size);
  options.progress?.setTotal?.([...sizes.values()].reduce((a, b) => a + b, 0));
  return store.loadImages(images, options.progress);
}
