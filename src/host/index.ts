/** `overlay/node`: the Node-only side: a disk image store, host directories as layers, progress. */
export { DiskStore, DiskStore as Store } from './DiskStore.js';
export type { StoreOptions } from './DiskStore.js';
export type { ImageRecord, ContainerRecord, AddImageInput, RemoveImageResult, GcResult, DiskUsage, ProgressSink } from '../store/index.js';
export { LOCK_FILE, openDiskBackend, DiskDocumentStore } from './DiskBackend.js';
export type { DiskBackend } from './DiskBackend.js';
export { DiskBlobStore } from './DiskBlobStore.js';
export { DiskLayerCacheStore } from './DiskLayerCache.js';
export { FileLock, processAlive } from './lock.js';
export type { LockOwner, LockOptions } from './lock.js';
export { writeFileAtomic } from './atomic.js';
export { gzip, uncompressed, nodeCompression } from './compress.js';
export { layerFromDirectory, layerEntriesFromDirectory } from './hostDir.js';
export type { HostDirOptions } from './hostDir.js';
export { readTarFiles, mapSource, dirSource, tarOfFiles } from './archiveIo.js';
export type { ListedSource } from './archiveIo.js';
export { createProgress, formatBytes } from './progress.js';
export type { Progress, ProgressStream } from './progress.js';
export { hostPlatform } from './platform.js';
