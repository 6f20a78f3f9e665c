export { FsError, isErrnoCode } from './FsError.js';
export type { ErrnoCode } from './FsError.js';
export { DomainError } from './DomainError.js';
export type { DomainErrorCode } from './DomainError.js';
