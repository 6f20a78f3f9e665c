/**
 * The store of images and containers, over any backend: an OCI image layout of blobs and
 * documents, tags, containers, Docker's removal rules, garbage collection and disk usage.
 * Browser-pure: the disk backend lives in src/host.
 */
export { Store } from './Store.js';
export type { StoreOptions, RemoveImageResult, GcResult } from './Store.js';
export type { AddImageInput, ProgressSink } from './ImageStore.js';
export type { StoreCheck } from './check.js';
export type { DamagedImage } from './damagedImages.js';
export { damagedBlob, verifiedBlob, verifiedChunks, VerifiedBlob } from './blobCheck.js';
export type { ImageRecord, ContainerRecord } from './records.js';
export { imageSize, formatBytes } from './records.js';
export type { StoreBackend, DocumentStore, LayoutDocument, ContainerFile, LayerCacheStore, LayerCacheFile, PackWriter, UpperSegment } from './backend.js';
export { MemoryDocumentStore, MemoryLayerCacheStore, memoryBackend } from './MemoryBackend.js';
export { LayerCache } from './LayerCache.js';
export { encodeLayerIndex, checkLayerIndex, decodeLayerIndex, LAYER_INDEX_FORMAT, LAYER_INDEX_VERSION } from './layerIndex.js';
export type { LayerIndexHeader, LayerKey, EncodedLayerIndex, CheckedIndex } from './layerIndex.js';
export { webCompression } from './compression.js';
export { GZIP_BLOCK, GZIP_DICTIONARY, GZIP_HEADER, GZIP_LEVEL, gzipTrailer } from './gzipBlocks.js';
export { uncompressedChunks } from './layerTarStream.js';
export type { LayerCompression } from './compression.js';
export { TagIndex, indexDocument } from './tags.js';
export { planImageRemoval, prunableImages } from './rmiPolicy.js';
export type { ImageRemoval } from './rmiPolicy.js';
export { countReferences, unreferencedBlobs, storeRoots } from './gc.js';
export type { RefRoot, RefCounts } from './gc.js';
export { diskUsage } from './diskUsage.js';
export type { DiskUsage, DiskUsageInput } from './diskUsage.js';
export { emptyBuildCache } from './buildCache.js';
export type { BuildCacheDocument, BuildCacheEntry } from './buildCache.js';
