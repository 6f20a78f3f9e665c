/** `overlay inspect`: images and containers as the JSON documents Docker's inspect resembles. */
import { chainIds } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import type { ContainerRecord, ImageRecord, Store } from '../store/index.js';
import { tagsHint } from './refs.js';
import { imageSizes } from './sizes.js';

async function imageInfo(store: Store, image: ImageRecord): Promise<Record<string, unknown>> {
  const { config, manifest } = image;
  const diffIds = config.rootfs.diff_ids;
  return {
    Id: image.id,
    RepoTags: image.names,
    Digest: image.manifestDigest,
    Created: config.created ?? null,
    Author: config.author ?? '',
    Architecture: config.architecture,
    Os: config.os,
    // The sizes of sizes.ts, named for what they are (Docker's one `Size` is the content size).
    ...(await imageSizes(store, image)),
    RootFS: { Type: 'layers', Layers: diffIds },
    ChainIDs: chainIds(diffIds),
    Layers: manifest.layers.map((l, i) => ({ ...l, diffId: diffIds[i] })),
    History: config.history ?? [],
    Config: config.config ?? {},
    Manifest: manifest,
  };
}

async function containerInfo(store: Store, container: ContainerRecord): Promise<Record<string, unknown>> {
  const image = await store.containerImage(container);
  const upper = await store.upperLayer(container);
  const changes = (await store.mount(container)).diff();
  return {
    Id: container.id,
    Name: container.name,
    Created: container.created,
    Image: image.id,
    ImageName: container.imageName ?? image.names[0] ?? null,
    ImageDigest: container.image,
    Lowers: image.config.rootfs.diff_ids,
    Upper: { Entries: upper.entries().length, contentBytes: upper.size, diskBytes: await store.upperSize(container) },
    Changes: { A: changes.filter((c) => c.kind === 'A').length, C: changes.filter((c) => c.kind === 'C').length, D: changes.filter((c) => c.kind === 'D').length },
  };
}

/** A container by name or ID, else an image by name or ID, for each reference. */
export async function inspectTargets(store: Store, refs: readonly string[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const container = await store.findContainer(ref);
    if (container !== undefined) items.push(await containerInfo(store, container));
    else {
      const image = store.findImage(ref);
      if (image === undefined) throw new DomainError('NotFoundError', `no such container or image: ${ref}${tagsHint(store, ref)}`, { target: ref });
      items.push(await imageInfo(store, image));
    }
  }
  return items;
}
