/**
 * `--squash`: the build's own layers become one layer on top of the base (issue 12, "Options").
 * They are replayed, whiteouts and opaque directories included, onto a mount of the base, and
 * the mount's changes are committed: the result is the base's diff to the built view.
 */
import type { Layer } from '../layer/index.js';
import { Overlay } from '../overlay/index.js';
import { applyEntries } from './copy.js';

export async function squashLayers(base: readonly Layer[], own: readonly Layer[], epoch: number): Promise<Layer> {
  const overlay = new Overlay({ lowers: base, clock: () => epoch * 1000 });
  for (const layer of own) applyEntries(overlay.fs, layer.entries(), '/', { uid: 0, gid: 0, mtime: epoch, extractTars: false, keepOwners: true, whiteouts: true });
  return overlay.commit({ createdBy: 'overlay build --squash' });
}
