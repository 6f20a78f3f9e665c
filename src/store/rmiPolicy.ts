/**
 * Docker's rules for removing images (`docker rmi`, `docker image prune`), as pure decisions;
 * the store carries them out.
 */
import { DomainError } from '../errors/index.js';
import { shortHex, type ContainerRecord, type ImageRecord } from './records.js';

export interface ImageRemoval {
  /** Names to remove. */
  untag: string[];
  /** Whether the image leaves `index.json` (no name left, and no container or `force`). */
  dropImage: boolean;
  /** IDs reported as deleted: images dropped that no container keeps alive. */
  deleted: string[];
}

/**
 * `docker rmi REF`: by name (`byName`, the canonical name REF gave), removes that tag; by ID,
 * every tag, which needs `force` when there are several. The image itself goes when no tag is
 * left and no container uses it; a container's image loses its last name only with `force`,
 * and then stays in the store (untagged, outside `index.json`) for the container.
 */
export function planImageRemoval(image: ImageRecord, byName: string | undefined, users: readonly ContainerRecord[], force: boolean): ImageRemoval {
  const untag = byName !== undefined ? [byName] : [...image.names];
  if (byName === undefined && image.names.length > 1 && !force) {
    throw new DomainError('InvalidArgumentError', `image ${shortHex(image.id)} has several names (${image.names.join(', ')}); remove them by name or use --force`, {
      image: image.id,
    });
  }
  const lastName = untag.length === image.names.length;
  if (lastName && users.length > 0 && !force) {
    throw new DomainError('InvalidArgumentError', `image ${image.names[0] ?? shortHex(image.id)} is used by container ${users.map((c) => c.name).join(', ')}; remove the container first or use --force`, {
      image: image.id,
      containers: users.map((c) => c.id),
    });
  }
  const dropImage = lastName && (users.length === 0 || force);
  return { untag, dropImage, deleted: dropImage && users.length === 0 ? [image.id] : [] };
}

/** `docker image prune`: the untagged images no container uses. */
export function prunableImages(images: readonly ImageRecord[], containers: readonly ContainerRecord[]): ImageRecord[] {
  const used = new Set(containers.map((c) => c.image));
  return images.filter((image) => image.names.length === 0 && !used.has(image.manifestDigest));
}
