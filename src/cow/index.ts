export { FileData } from './FileData.js';
export {
  UpperDir,
  WHITEOUT,
  metaFromLayer,
  newFileInode,
  newSymlinkInode,
  copyUpInode,
} from './upper.js';
export type { MutableMeta, UpperInode, UpperObject, UpperWhiteout, UpperNode } from './upper.js';
