/** `overlay df` and `overlay prune`. */
import type { DiskUsage, GcResult, Store } from '../store/index.js';

/** Bytes of images, layers (shared and unique), containers and unreferenced blobs. */
export function diskUsage(store: Store): Promise<DiskUsage & { cacheBytes: number }> {
  return store.diskUsage();
}

/** Untagged images no container uses, then every unreferenced blob. */
export function pruneStore(store: Store): Promise<GcResult & { images: string[]; cacheBytes: number }> {
  return store.prune();
}
