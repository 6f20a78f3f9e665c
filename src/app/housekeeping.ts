/** `overlay df` and `overlay prune`. */
import type { DiskUsage, GcResult, Store, StoreCheck } from '../store/index.js';

/** Bytes of images, layers (shared and unique), containers and unreferenced blobs. */
export function diskUsage(store: Store): Promise<DiskUsage & { cacheBytes: number; buildCache: { entries: number; bytes: number } }> {
  return store.diskUsage();
}

/** Untagged images no container uses, then every unreferenced blob. */
export function pruneStore(store: Store): Promise<GcResult & { images: string[]; cacheBytes: number; buildCacheEntries: number }> {
  return store.prune();
}

/**
 * `overlay fsck`: damaged images and containers, corrupt and missing blobs, and what can be
 * dropped safely (`rmi -f` the damaged images, `prune` the unreferenced blobs).
 */
export function checkStore(store: Store): Promise<StoreCheck> {
  return store.check();
}
