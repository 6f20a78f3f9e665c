export { Overlay } from './Overlay.js';
export type { OverlayOptions, CommitOptions } from './Overlay.js';
export { flatten } from './flatten.js';
export type { Change, ChangeKind } from './diff.js';
export type { Explanation, LayerFinding, LayerRef, LayerRole } from './explain.js';
export { Stats, Dirent } from './fs/Stats.js';
export { FileHandle } from './fs/OverlayFs.js';
export type { OverlayFs, PromisesFs, CallbackFs } from './fs/OverlayFs.js';
export { constants } from './fs/constants.js';
