export { Layer, allocateIno, reserveInos, makeMeta, entryPath, sameAttributes, DEFAULT_DIR_META } from './Layer.js';
export type { LayerOptions } from './Layer.js';
export { BytesContent, PatchedContent, RangeContent, EMPTY_CONTENT, BLOCK_SIZE, contentBytes, concatBytes, gatherBytes, sameContent } from './Content.js';
export type { Content, DataSink, PositionedReader } from './Content.js';
export { ROW_DIR, ROW_WHITEOUT, ROW_FILE, ROW_SYMLINK, ROW_KIND, ROW_OPAQUE, ROW_IMPLICIT } from './columns.js';
export type { LayerColumns } from './columns.js';
export { fileInode, symlinkInode, relinkInode, objectNode } from './inode.js';
export { defaultTarLimits } from './tar/readTar.js';
export { framedTar as tarArchive, TRAILING_CHECKED } from './tar/framing.js';
export type { ArchiveEndOptions } from './tar/framing.js';
export type { TarInput, TarLimits } from './tar/readTar.js';
export type {
  EntryType,
  LayerEntry,
  LayerEntryInput,
  LayerHistory,
  LayerInode,
  LayerFileInode,
  LayerSymlinkInode,
  LayerNode,
  LayerDirNode,
  LayerObjectNode,
  LayerWhiteoutNode,
  Meta,
} from './types.js';
