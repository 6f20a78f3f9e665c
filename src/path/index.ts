export {
  parsePath,
  cleanPath,
  joinPath,
  dirname,
  basename,
  pathSteps,
  isWithin,
  compareNames,
} from './posix.js';
export type { ParsedPath } from './posix.js';
