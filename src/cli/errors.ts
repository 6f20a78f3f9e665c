/**
 * Every failure as one line on stderr, `overlay: <verb> <path>: <reason>`, and an exit code;
 * never a stack trace (unless OVERLAY_DEBUG is set).
 */
import { DomainError, FsError } from '../errors/index.js';

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Descriptions of errno codes Node's own errors may carry (libuv's texts). */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'cross-device link not permitted',
  EINVAL: 'invalid argument',
  ELOOP: 'too many symbolic links encountered',
  ENAMETOOLONG: 'name too long',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EBUSY: 'resource busy or locked',
  EMFILE: 'too many open files',
};

function errnoText(error: { code?: unknown; message: string }): string {
  const match = /^[A-Z]+: ([^,]+)/.exec(error.message);
  if (match !== null) return match[1]!;
  return typeof error.code === 'string' ? (ERRNO_TEXT[error.code] ?? error.code) : error.message;
}

interface SystemError extends Error {
  code?: unknown;
  path?: unknown;
  dest?: unknown;
}

/** The one-line description of an error (without the `overlay: ` prefix). */
export function describeError(verb: string, error: unknown): string {
  const prefix = verb === '' ? '' : `${verb}`;
  const join = (...parts: string[]): string => parts.filter((p) => p !== '').join(' ');
  if (error instanceof FsError || (error instanceof Error && typeof (error as SystemError).code === 'string' && /^E[A-Z]+$/.test(String((error as SystemError).code)))) {
    const e = error as SystemError;
    const path = typeof e.path === 'string' ? e.path : '';
    const dest = typeof e.dest === 'string' ? ` -> ${e.dest}` : '';
    return `${join(prefix, path + dest)}: ${errnoText(e)}`;
  }
  // The library says the limit can be raised; the CLI says how.
  if (error instanceof DomainError && error.code === 'LayerTooLargeError') return `${join(prefix)}${prefix === '' ? '' : ': '}${error.message}: set OVERLAY_MAX_LAYER_SIZE (e.g. 64G)`;
  if (error instanceof DomainError || error instanceof UsageError) return `${join(prefix)}${prefix === '' ? '' : ': '}${error.message}`;
  if (error instanceof Error) return `${join(prefix)}${prefix === '' ? '' : ': '}${error.message || error.name}`;
  return `${join(prefix)}${prefix === '' ? '' : ': '}${String(error)}`;
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}
