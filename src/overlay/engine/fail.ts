import { FsError, type ErrnoCode } from '../../errors/index.js';

/** The engine throws bare codes; the fs facade adds syscall, path and dest. */
export function fail(code: ErrnoCode): never {
  throw FsError.of(code);
}
