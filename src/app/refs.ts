/**
 * Containers and images by reference, with errors that point to the fix: an image given where
 * a container is wanted says how to make one; a missing tag lists the tags its name has.
 */
import { DomainError } from '../errors/index.js';
import { parseImageName, tryCanonicalName } from '../image/index.js';
import type { ContainerRecord, ImageRecord, Store } from '../store/index.js';

/** ` (base has the tags 1.0, 2.0)` when `ref` names a missing tag of a stored name, else ''. */
export function tagsHint(store: Store, ref: string): string {
  if (tryCanonicalName(ref) === undefined) return '';
  const wanted = parseImageName(ref).name;
  const tags = store
    .images()
    .flatMap((image) => image.names)
    .map((name) => parseImageName(name))
    .filter((name) => name.name === wanted)
    .map((name) => name.tag)
    .sort();
  return tags.length === 0 ? '' : ` (${wanted} has the tag${tags.length === 1 ? '' : 's'} ${tags.join(', ')})`;
}

/** An image by name or ID; when there is none, the error lists the tags its name has. */
export function imageByRef(store: Store, ref: string): ImageRecord {
  const image = store.findImage(ref);
  if (image !== undefined) return image;
  const hint = tagsHint(store, ref);
  if (hint === '') return store.resolveImage(ref);
  const canonical = tryCanonicalName(ref)!;
  throw new DomainError('NotFoundError', `no such image: ${canonical}${hint}`, { image: canonical });
}

/** A container by name or ID; an image's reference is an error that says how to make a container of it. */
export async function containerByRef(store: Store, ref: string): Promise<ContainerRecord> {
  const container = await store.findContainer(ref);
  if (container !== undefined) return container;
  if (store.findImage(ref) !== undefined) {
    throw new DomainError('NotFoundError', `${ref} is an image, not a container: make a container of it with "overlay create ${ref} --name NAME"`, { container: ref });
  }
  return store.resolveContainer(ref);
}
