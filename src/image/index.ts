/** OCI image model: documents, names, layouts, archives. Browser-pure. */
export { MediaTypes, REF_NAME_ANNOTATION, CONTAINERD_NAME_ANNOTATION, EMPTY_LAYER_DIFF_ID, layerCompression, isManifestType, isIndexType, isGzip, isZstd } from './mediaTypes.js';
export type { Compression } from './mediaTypes.js';
export type { Descriptor, ImageConfig, ImageIndex, ImageManifest, HistoryEntry, Platform } from './types.js';
export { canonicalJson, encodeJson, encodeText, decodeText, parseJson, isObject } from './json.js';
export { parseDescriptor, parseManifest, parseIndex, parseConfig } from './parse.js';
export { parseImageName, tryParseImageName, tryCanonicalName, formatImageName, canonicalName, familiarName, nameFromAnnotations, DEFAULT_TAG } from './reference.js';
export type { ImageName, ImageNameResult } from './reference.js';
export { MemoryBlobStore, verifiedDigest, checkDigest, blobNotFound, putChunks, RunningDigest, BLOB_CHUNK } from './BlobStore.js';
export type { BlobStore, BlobWriter } from './BlobStore.js';
export { isEmptyLayer, historyEntry, layerHistory, imageConfig, childConfig, descriptorOf, imageManifest, encodeConfig, encodeManifest } from './build.js';
export type { ImageSpec } from './build.js';
export { historyRows, layerHistoryEntries } from './history.js';
export type { HistoryRow } from './history.js';
export {
  OCI_LAYOUT_VERSION,
  blobPath,
  checkLayoutFile,
  isOciLayout,
  readOciLayout,
  readDockerArchive,
  readImageArchive,
  parseDockerManifest,
  memorySource,
} from './archive.js';
export type { FileSource, SizedReader, SourceImage, SourceLayer, DockerManifestItem } from './archive.js';
export { archiveFiles, archiveFileBytes, bytesFile, indexEntry } from './archiveFiles.js';
export type { ArchiveFile, StoredImageBlobs, BlobReader, SizedChunks, ArchiveFormat } from './archiveFiles.js';
export { mountContainer } from './container.js';
export { layerChanges } from './stack.js';
export type { LayerChanges } from './stack.js';
