/**
 * `overlay build`: Containerfiles to images in the store, with BuildKit's cache model, every
 * miss explained, multi-stage builds and `.dockerignore`. Browser-pure: the context is any
 * fs-like object.
 */
export { build, whatIf } from './build.js';
export { containerfileText } from './options.js';
export type { WhatIfResult, WhatIfStep } from './whatIf.js';
export type { BuildOptions, BuildResult, BuildSummary, StepReport } from './options.js';
export { memoryContext, dockerignore } from './context.js';
export type { BuildContextFs } from './context.js';
export { parseContainerfile } from './parse.js';
export type { Containerfile, Instruction, StageDefinition, Keyword } from './parse.js';
export { BuildError } from './errors.js';
export type { SourcePosition } from './errors.js';
