/** `overlay/node`: the Node-only side: a disk image store, host directories as layers, progress. */
export { Store, LOCK_FILE } from './Store.js';
export type { StoreOptions, ImageRecord, ContainerRecord, AddImageInput, RemoveImageResult, GcResult, DiskUsage } from './Store.js';
export { DiskBlobStore } from './DiskBlobStore.js';
export { FileLock, processAlive } from './lock.js';
export type { LockOwner, LockOptions } from './lock.js';
export { writeFileAtomic } from './atomic.js';
export { gzip, uncompressed } from './compress.js';
export { layerFromDirectory, layerEntriesFromDirectory } from './hostDir.js';
export type { HostDirOptions } from './hostDir.js';
export { readTarFiles, mapSource, dirSource, tarOfFiles } from './archiveIo.js';
export type { ListedSource } from './archiveIo.js';
export { createProgress, formatBytes } from './progress.js';
export type { Progress, ProgressStream } from './progress.js';
export { hostPlatform } from './platform.js';
