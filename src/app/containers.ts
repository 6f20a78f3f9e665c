/** Use cases on containers: create, list, change, diff, commit, remove. */
import { DomainError } from '../errors/index.js';
import { childConfig, historyEntry, isEmptyLayer } from '../image/index.js';
import type { Change, Overlay } from '../overlay/index.js';
import type { ContainerRecord, ImageRecord, ProgressSink, Store } from '../store/index.js';
import { shortId } from './format.js';
import { containerByRef, imageByRef } from './refs.js';
import { upperContentBytes } from './sizes.js';

/** `overlay create`: a container on an image, named as given or `IMAGE-N`. */
/**
 * The most image layers a container may stack: Docker's overlay2 mounts at most 128 lower
 * directories (moby daemon/graphdriver/overlay2/overlay.go, maxDepth), one of them the
 * container's init layer, so 127 of the image's.
 */
export const MAX_CONTAINER_LAYERS = 127;

export async function createContainer(store: Store, imageRef: string, options: { name?: string; maxLayers?: number } = {}): Promise<ContainerRecord> {
  const image = imageByRef(store, imageRef);
  const layers = image.config.rootfs.diff_ids.length;
  const max = options.maxLayers ?? MAX_CONTAINER_LAYERS;
  if (layers > max) {
    throw new DomainError(
      'InvalidArgumentError',
      `${imageRef} has ${layers} layers, more than the ${max} Docker's overlay2 can stack under a container (128 lower directories, one for the container's init layer): rebuild it with "overlay build --squash", flatten it, or raise the limit with --max-layers`,
      { layers, max },
    );
  }
  const create: { name?: string; imageName?: string } = {};
  if (options.name !== undefined) create.name = options.name;
  // The name it was created from (`app` means `app:latest`), else the image's first name.
  if (image.names.length > 0) create.imageName = image.names.find((n) => n === imageRef || n === `${imageRef}:latest`) ?? image.names[0]!;
  return store.createContainer(image, create);
}

export interface ContainerRow {
  id: string;
  name: string;
  /** The name the container was created from while the image still has it, else its first name or short ID. */
  image: string;
  imageId: string;
  created: string;
  /** Content size of its writable layer (see sizes.ts). */
  contentBytes: number;
}

/** `overlay ps`. */
export async function listContainers(store: Store): Promise<ContainerRow[]> {
  const out: ContainerRow[] = [];
  for (const c of await store.containers()) {
    const image = store.imageByManifest(c.image);
    out.push({
      id: c.id,
      name: c.name,
      image: c.imageName !== undefined && image?.names.includes(c.imageName) ? c.imageName : (image?.names[0] ?? shortId(c.imageId)),
      imageId: c.imageId,
      created: c.created,
      contentBytes: await upperContentBytes(store, c),
    });
  }
  return out;
}

/**
 * Runs `fn` on a mounted container, then saves its writable layer, only when `fn` succeeds:
 * a failed operation changes nothing.
 */
export async function editContainer<T>(store: Store, ref: string, fn: (overlay: Overlay, container: ContainerRecord) => Promise<T> | T): Promise<T> {
  const container = await containerByRef(store, ref);
  const overlay = await store.mount(container);
  const result = await fn(overlay, container);
  await store.saveUpper(container, overlay);
  return result;
}

/** `overlay diff`: what the container changed against its image. */
export async function diffContainer(store: Store, ref: string): Promise<Change[]> {
  const container = await containerByRef(store, ref);
  return (await store.mount(container)).diff();
}

export interface CommitInput {
  /** `name[:tag]` of the new image. */
  name?: string;
  /** The history comment. */
  message?: string;
  author?: string;
  /** The history's `created_by` (default `overlay commit CONTAINER`). */
  createdBy?: string;
  progress?: ProgressSink;
}

export interface CommitResult {
  image: ImageRecord;
  /** DiffID of the new layer; none when the container changed nothing. */
  diffId: string | undefined;
  empty: boolean;
}

/**
 * `overlay commit` (like `docker commit`): the container's image plus its writable layer as a
 * new layer with a history entry. A container that changed nothing adds an `empty_layer`
 * history entry and no layer.
 */
export async function commitContainer(store: Store, ref: string, input: CommitInput = {}): Promise<CommitResult> {
  const container = await containerByRef(store, ref);
  const overlay = await store.mount(container, input.progress);
  const created = store.isoNow();
  const { author, message: comment } = input;
  const upper = overlay.commitSync({
    createdBy: input.createdBy ?? `overlay commit ${container.name}`,
    created,
    ...(comment === undefined ? {} : { comment }),
    ...(author === undefined ? {} : { author }),
  });
  const empty = isEmptyLayer(upper);
  const base = await store.containerImage(container);
  // The new layer is stored first: its DiffID is hashed as its tar streams into the store.
  const diffId = empty ? undefined : await store.storeLayer(upper, input.progress);
  const config = childConfig(base.config, {
    diffId,
    history: historyEntry(upper.history),
    created,
    ...(author === undefined ? {} : { author }),
  });
  const image = await store.addImage({ config, names: input.name === undefined ? [] : [input.name] });
  return { image, diffId, empty };
}

export interface RemovedContainers {
  containers: { id: string; name: string }[];
  /** Blobs garbage collection deleted afterwards, and their bytes. */
  blobs: number;
  bytes: number;
  /** Set when blobs were kept because damaged entries may still use them (`GcResult.heldBy`). */
  heldBy?: string[];
}

/**
 * Whether the container's writable layer holds changes no image keeps: it is not empty, and no
 * stored image has the container's image's layers plus exactly this layer on top (what
 * `overlay commit` makes of it). Its layer is made as commit makes it, so the DiffIDs compare.
 */
export async function hasUncommittedChanges(store: Store, container: ContainerRecord): Promise<boolean> {
  const upper = (await store.mount(container)).commitSync();
  if (isEmptyLayer(upper)) return false;
  const base = (await store.containerImage(container)).config.rootfs.diff_ids;
  // Only images one layer above the container's could hold the change: without one, the
  // layer is not hashed (hashing costs as much as the change is big).
  const above = store.images().filter((image) => {
    const ids = image.config.rootfs.diff_ids;
    return ids.length === base.length + 1 && base.every((d, i) => d === ids[i]);
  });
  if (above.length === 0) return true;
  const diffId = upper.diffId;
  return !above.some((image) => image.config.rootfs.diff_ids.at(-1) === diffId);
}

/**
 * `overlay container rm C...`. Without `force`, a container whose writable layer holds changes
 * is refused (its changes exist nowhere else), and so is an unknown reference; every reference
 * is checked before any container is removed. With `force`, unknown references are skipped.
 */
export async function removeContainers(store: Store, refs: readonly string[], options: { force?: boolean } = {}): Promise<RemovedContainers> {
  const out: { id: string; name: string }[] = [];
  let blobs = 0;
  let bytes = 0;
  let heldBy: string[] | undefined;
  const found: ContainerRecord[] = [];
  for (const ref of refs) {
    const container = options.force === true ? await store.findContainer(ref) : await containerByRef(store, ref);
    if (container === undefined) continue;
    if (options.force !== true && (await hasUncommittedChanges(store, container))) {
      throw new DomainError(
        'InvalidArgumentError',
        `container ${container.name} has uncommitted changes (see overlay diff ${container.name}): keep them with "overlay commit ${container.name} IMAGE", or remove it anyway with -f`,
        { container: container.name },
      );
    }
    if (!found.some((c) => c.id === container.id)) found.push(container);
  }
  for (const container of found) {
    const gc = await store.removeContainer(container);
    blobs += gc.blobs.length;
    bytes += gc.bytes;
    heldBy = gc.heldBy ?? heldBy;
    out.push({ id: container.id, name: container.name });
  }
  return { containers: out, blobs, bytes, ...(heldBy === undefined ? {} : { heldBy }) };
}
