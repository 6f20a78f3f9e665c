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
  lowerBound,
  namesLess,
  stringsLess,
} from './posix.js';
export type { NameOrder, ParsedPath } from './posix.js';
