export {
  parsePath,
  cleanPath,
  joinPath,
  dirname,
  basename,
  pathSteps,
  isWithin,
  compareNames,
  hasSurrogates,
} from './posix.js';
export type { ParsedPath } from './posix.js';
