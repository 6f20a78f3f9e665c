/**
 * A container's writable layer across processes: the upper is saved as a layer (its OCI tar)
 * and given back to the engine as the writable layer of a fresh mount of the same lowers
 * (`new Overlay({ lowers, upper })`), as the kernel reuses an upper dir across mounts.
 */
import type { Layer } from '../layer/index.js';
import { Overlay, type OverlayOptions } from '../overlay/index.js';

/** A container's mount: its image's layers below, its saved upper restored on top. */
export function mountContainer(lowers: readonly Layer[], upper: Layer | undefined, options: Omit<OverlayOptions, 'lowers'> = {}): Overlay {
  return new Overlay({ ...options, lowers, ...(upper !== undefined ? { upper } : {}) });
}
