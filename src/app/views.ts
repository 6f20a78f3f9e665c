/**
 * Read verbs take a container or an image: a `View` is either one mounted, with names for its
 * layers. It is plain data once made, so a caller may use it after the store is closed.
 */
import { DomainError } from '../errors/index.js';
import { historyRows, type ImageConfig } from '../image/index.js';
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
  /** For `IMAGE@N`: the view is the image as it was after this layer (`lowers` stop there). */
  layer?: number;
}

/**
 * `IMAGE@N` (layer N, counted from the bottom) or `IMAGE@stepS` (after history step S, as
 * `overlay history` numbers them base first): a stored image cut at a layer. A name holding
 * `@` followed by a digest (`app@sha256:…`) is not one.
 */
export function parseLayerTarget(target: string): { ref: string; layer?: number; step?: number } | undefined {
  const match = /^(.+)@(step)?(\d+)$/.exec(target);
  if (match === null) return undefined;
  const n = Number(match[3]);
  return match[2] === undefined ? { ref: match[1]!, layer: n } : { ref: match[1]!, step: n };
}

/** How many layers `IMAGE@…` keeps of an image with this config (see `parseLayerTarget`); an error names what exists. */
export function layersKept(config: ImageConfig, at: { layer?: number; step?: number }, target: string): number {
  const count = config.rootfs.diff_ids.length;
  if (at.layer !== undefined) {
    if (at.layer >= count) throw new DomainError('NotFoundError', `${target}: the image has ${count} layer${count === 1 ? '' : 's'} (0 to ${count - 1})`, { target });
    return at.layer + 1;
  }
  const rows = historyRows(config);
  const step = rows.find((r) => r.step === at.step);
  if (step === undefined) throw new DomainError('NotFoundError', `${target}: the image's history has ${rows.length} steps (0 to ${rows.length - 1})`, { target });
  return rows.filter((r) => r.step <= step.step && r.layerIndex !== undefined).length;
}

/** An image's first name, else its short ID. */
export function imageLabel(image: ImageRecord): string {
  return image.names[0] ?? shortId(image.id);
}

async function containerView(store: Store, container: ContainerRecord): Promise<View> {
  const image = await store.containerImage(container);
  const overlay = await store.mount(container);
  return { kind: 'container', overlay, lowers: [...overlay.lowers], image, container, imageLabel: imageLabel(image) };
}

/**
 * A container by name or ID, else an image by name or ID, mounted; or one of them cut at a
 * layer (`parseLayerTarget`). `CONTAINER@N` numbers layers as `overlay analyze CONTAINER` does:
 * its image's layers 0..K-1, then its writable layer K. So `CONTAINER@K` is the container,
 * and a lower N its image after layer N (the writable layer holds changes against the whole
 * image, so it is never put over a part of it).
 */
export async function openView(store: Store, target: string, options: { clock?: () => number } = {}): Promise<View> {
  const container = await store.findContainer(target);
  if (container !== undefined) return containerView(store, container);
  let image = store.findImage(target);
  const at = image === undefined ? parseLayerTarget(target) : undefined;
  if (at !== undefined) {
    const cut = await store.findContainer(at.ref);
    if (cut !== undefined) {
      image = await store.containerImage(cut);
      const count = image.config.rootfs.diff_ids.length;
      if (at.layer === count) return containerView(store, cut);
      if (at.layer !== undefined && at.layer > count) {
        throw new DomainError('NotFoundError', `${target}: the container has ${count + 1} layers (0 to ${count}, ${count} its writable layer)`, { target });
      }
    } else {
      image = store.findImage(at.ref);
    }
  }
  if (image === undefined) throw new DomainError('NotFoundError', `no such container or image: ${target}${tagsHint(store, at?.ref ?? target)}`, { target });
  let lowers = await store.layers(image);
  const kept = at === undefined ? undefined : layersKept(image.config, at, target);
  if (kept !== undefined) lowers = lowers.slice(0, kept);
  const label = imageLabel(image);
  const view = kept === undefined ? { lowers, image, imageLabel: label } : { lowers, image, imageLabel: `${label}@${kept - 1}`, layer: kept - 1 };
  // Mounted on first use: `overlay analyze` and `diff` read the layers alone, and merging the
  // lowers into one tree costs about as much as reading their indexes.
  let overlay: Overlay | undefined;
  return {
    kind: 'image',
    ...view,
    get overlay(): Overlay {
      overlay ??= new Overlay({ lowers, ...(options.clock === undefined ? {} : { clock: options.clock }) });
      return overlay;
    },
  };
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
