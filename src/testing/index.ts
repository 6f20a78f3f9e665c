/**
 * `overlay/testing`: fast-check arbitraries for layer stacks and filesystem op sequences, and a
 * runner that applies the ops to any Node-fs-like object, for property tests of code built on
 * overlays (and for the kernel conformance suite, which runs the same ops on both sides).
 */
export { layerStack, layerStackPaths } from './arbitrary/layerStack.js';
export type { LayerStackConstraints } from './arbitrary/layerStack.js';
export { fsOps, fsOpArb, fsPathArb } from './arbitrary/fsOps.js';
export type { FsOpsConstraints } from './arbitrary/fsOps.js';
export { DEFAULT_NAMES, UTF8_NAMES } from './arbitrary/_internals/paths.js';
export { runOp, opPaths, summarizeStats, rootTarget, stripRoot } from './ops.js';
export { describeOp, describeOutcome } from './describe.js';
export { FdTable, FD_OP_NAMES, FD_SLOTS, closedFdNumber, isFdOp } from './fdOps.js';
export type { FdFsLike, FdOp, FdOpName, FdOpenFlag, FdSlot } from './fdOps.js';
export { describeData, toBytes as dataBytes } from './_internals/bytes.js';
export type { FsData } from './_internals/bytes.js';
export type {
  AccessMode,
  FsConstantsLike,
  FsLike,
  FsOp,
  FsOpName,
  OpenFlag,
  OpenResult,
  Outcome,
  OutcomeValue,
  StatSummary,
  StatsLike,
} from './ops.js';
export { snapshotTree, snapshotTimes, diffTrees, describeTree, describeNode } from './tree.js';
export type { DiffTreesOptions, TreeDifference, TreeNode, TreeSnapshot } from './tree.js';
