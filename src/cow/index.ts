export { FileData } from './FileData.js';
export {
  UpperDir,
  ChangedPaths,
  trackChanges,
  WHITEOUT,
  metaFromLayer,
  newFileInode,
  newSymlinkInode,
  copyUpInode,
  restoredInode,
  upperObject,
} from './upper.js';
export type { MutableMeta, UpperInode, UpperFileInode, UpperSymlinkInode, UpperObject, UpperWhiteout, UpperNode } from './upper.js';
