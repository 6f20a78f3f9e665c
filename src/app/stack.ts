/** `overlay stack`: what each layer of a view adds, changes and deletes, top layer first. */
import { layerChanges, type LayerChanges } from '../image/index.js';
import type { LayerRef } from '../overlay/index.js';
import { describeLayer, type View } from './views.js';

export interface StackItem {
  layer: LayerRef;
  /** The layer's label (see `describeLayer`). */
  title: string;
  /** The layer's DiffID (none for a container's writable layer). */
  diffId?: string;
  changes: LayerChanges;
}

export interface Stack {
  /** `container web: the merged view`, `image app:1: the merged view`. */
  heading: string;
  /** Top first: the writable layer of a container, then the image's layers. */
  items: StackItem[];
}

export function stackOf(view: View): Stack {
  const diffIds = view.image.config.rootfs.diff_ids;
  const layers = [...view.lowers];
  const items: StackItem[] = [];
  if (view.container !== undefined) {
    const upper = view.overlay.commitSync();
    items.push({ layer: 'upper', title: describeLayer(view, 'upper'), changes: layerChanges([...layers, upper], layers.length) });
  }
  for (let i = layers.length - 1; i >= 0; i--) {
    items.push({ layer: i, title: describeLayer(view, i), diffId: diffIds[i]!, changes: layerChanges(layers, i) });
  }
  const heading = view.container !== undefined ? `container ${view.container.name}: the merged view` : `image ${view.imageLabel}: the merged view`;
  return { heading, items };
}
