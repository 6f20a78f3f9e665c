/**
 * Read verbs take a container or an image: a `View` is either one mounted, with names for its
 * layers. It is plain data once made, so a caller may use it after the store is closed.
 */
import { DomainError } from '../errors/index.js';
import { historyRows } from '../image/index.js';
import type { Layer } from '../layer/index.js';
import { Overlay, flatten, type Explanation, type LayerRef } from '../overlay/index.js';
import type { ContainerRecord, ImageRecord, Store } from '../store/index.js';
import { shortId } from './format.js';
import { tagsHint } from './refs.js';

export interface View {
  kind: 'container' | 'image';
  overlay: Overlay;
  /** The image's layers, base first. */
  lowers: Layer[];
  image: ImageRecord;
  container?: ContainerRecord;
  /** The image's name or short ID, for messages. */
  imageLabel: string;
}

/** An image's first name, else its short ID. */
export function imageLabel(image: ImageRecord): string {
  return image.names[0] ?? shortId(image.id);
}

/** A container by name or ID, else an image by name or ID, mounted. */
export async function openView(store: Store, target: string, options: { clock?: () => number } = {}): Promise<View> {
  const container = await store.findContainer(target);
  if (container !== undefined) {
    const image = await store.containerImage(container);
    const overlay = await store.mount(container);
    return { kind: 'container', overlay, lowers: [...overlay.lowers], image, container, imageLabel: imageLabel(image) };
  }
  const image = store.findImage(target);
  if (image === undefined) throw new DomainError('NotFoundError', `no such container or image: ${target}${tagsHint(store, target)}`, { target });
  const lowers = await store.layers(image);
  const overlay = new Overlay({ lowers, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  return { kind: 'image', overlay, lowers, image, imageLabel: imageLabel(image) };
}

/** A short label of a layer of the view: `upper (container web, writable)`, `layer 2 (RUN …)`. */
export function describeLayer(view: View, ref: LayerRef): string {
  if (ref === 'upper') return view.container === undefined ? 'upper (none)' : `upper (container ${view.container.name}, writable)`;
  const by = historyRows(view.image.config).find((r) => r.layerIndex === ref)?.createdBy ?? '';
  return `layer ${ref}${by === '' ? '' : ` (${by})`}`;
}

/** Where a path of the view comes from (see `Overlay.explain`). */
export function explainPath(view: View, path: string): Explanation {
  return view.overlay.explain(path);
}

/** The merged tree of the view as one flat layer (`overlay export`). */
export function exportTree(view: View): Layer {
  return flatten(view.container === undefined ? view.lowers : [...view.lowers, view.overlay.commitSync()]);
}
