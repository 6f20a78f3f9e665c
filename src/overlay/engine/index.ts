/** The engine's surface for the rest of src/overlay (fs facade, diff, commit, explain, restore). */
export { Engine } from './Engine.js';
export type { EngineOptions } from './options.js';
export {
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_ACCMODE,
  O_CREAT,
  O_EXCL,
  O_TRUNC,
  O_APPEND,
  O_DIRECTORY,
  O_NOFOLLOW,
  S_IFMT,
  S_IFREG,
  S_IFDIR,
  S_IFLNK,
  NAME_MAX,
} from './abi.js';
export { exists, isDir, kindOf, pathOf } from './Dentry.js';
export type { Dentry, EntryView, ObjectKind, UpperShown } from './Dentry.js';
export { LowerTree } from './LowerTree.js';
export type { LowerDir, LowerNode, LowerObject } from './LowerTree.js';
export { passesBelow, showsThrough, mergeEntry } from './merge.js';
export type { Passes, EntryShape } from './merge.js';
export type { ObjectView, LayerRef } from './objectView.js';
export type { ShownObject } from './CopyUp.js';
export type { DirEntryInfo } from './Lookup.js';
export type { Handle, OpenFile, OpenDir } from './OpenFiles.js';
export { DEFAULT_ROOT_META } from './defaults.js';
