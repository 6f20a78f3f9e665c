/**
 * `overlay build`: Containerfiles to images in the store, with BuildKit's cache model, every
 * miss explained, multi-stage builds and `.dockerignore`. Browser-pure: the context is any
 * fs-like object.
 */
export { build, whatIf, containerfileText } from './build.js';
export type { WhatIfResult, WhatIfStep } from './whatIf.js';
export type { BuildOptions, BuildResult, BuildSummary, StepReport } from './build.js';
export { memoryContext, dockerignore } from './context.js';
export type { BuildContextFs } from './context.js';
export { parseContainerfile } from './parse.js';
export type { Containerfile, Instruction, StageDefinition, Keyword } from './parse.js';
export { BuildError } from './errors.js';
export type { SourcePosition } from './errors.js';
