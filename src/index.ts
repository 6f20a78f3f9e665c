/**
 * overlay: a union-filesystem overlay emulator. This list is the whole public, browser-pure
 * API; a test pins it.
 */
export { Overlay, flatten, Stats, Dirent, FileHandle, constants } from './overlay/index.js';
export type {
  OverlayOptions,
  CommitOptions,
  Change,
  ChangeKind,
  Explanation,
  LayerFinding,
  LayerRef,
  LayerRole,
  OverlayFs,
  PromisesFs,
  CallbackFs,
} from './overlay/index.js';
export { Layer, BytesContent, PatchedContent, BLOCK_SIZE } from './layer/index.js';
export type { Content, EntryType, LayerEntry, LayerEntryInput, LayerHistory, LayerOptions, TarInput } from './layer/index.js';
export { chainId, chainIds, isDigest, sha256Digest, defaultSha256, setDefaultSha256, nobleSha256, findNativeSha256 } from './digest/index.js';
export type { Sha256, Sha256Hasher } from './digest/index.js';
export { FsError, DomainError } from './errors/index.js';
export type { ErrnoCode, DomainErrorCode } from './errors/index.js';
export { runShell, ShellSyntaxError, builtinCommands } from './shell/index.js';
export type { ShellIo, CommandContext, CommandResult, ShellCommand, ShellOptions, ShellResult, ShellUser } from './shell/index.js';
export { build, whatIf, memoryContext, parseContainerfile, BuildError } from './build/index.js';
export type { BuildOptions, BuildResult, BuildSummary, StepReport, BuildContextFs, WhatIfResult, WhatIfStep, SourcePosition } from './build/index.js';
// A store for build() in a browser: `await Store.openBackend(memoryBackend())` (overlay/node has the disk one).
export { Store, memoryBackend } from './store/index.js';
export type { ImageRecord, StoreOptions } from './store/index.js';
