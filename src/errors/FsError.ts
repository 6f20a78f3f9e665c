/**
 * Errors shaped exactly like Node's `fs` errors (`code`, `errno`, `syscall`, `path`, `dest`
 * and the message `CODE: description, syscall 'path' -> 'dest'`), so code written against
 * Node's `fs` handles ours unchanged. The engine throws a bare code (`FsError.of('ENOENT')`);
 * the fs facade adds the syscall and paths once (`withContext`).
 */

/** Linux errno values (as Node reports them, negated) and libuv's descriptions. */
const ERRNO = {
  EPERM: [1, 'operation not permitted'],
  ENOENT: [2, 'no such file or directory'],
  EBADF: [9, 'bad file descriptor'],
  EACCES: [13, 'permission denied'],
  EBUSY: [16, 'resource busy or locked'],
  EEXIST: [17, 'file already exists'],
  EXDEV: [18, 'cross-device link not permitted'],
  ENOTDIR: [20, 'not a directory'],
  EISDIR: [21, 'illegal operation on a directory'],
  EINVAL: [22, 'invalid argument'],
  EMFILE: [24, 'too many open files'],
  EFBIG: [27, 'file too large'],
  EMLINK: [31, 'too many links'],
  ENAMETOOLONG: [36, 'name too long'],
  ENOSYS: [38, 'function not implemented'],
  ENOTEMPTY: [39, 'directory not empty'],
  ELOOP: [40, 'too many symbolic links encountered'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrnoCode = keyof typeof ERRNO;

export function isErrnoCode(code: unknown): code is ErrnoCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERRNO, code);
}

export class FsError extends Error {
  readonly code: ErrnoCode;
  readonly errno: number;
  syscall: string | undefined;
  path: string | undefined;
  dest: string | undefined;

  constructor(code: ErrnoCode, syscall?: string, path?: string, dest?: string) {
    super('');
    this.name = 'Error';
    this.code = code;
    this.errno = -ERRNO[code][0];
    this.syscall = syscall;
    this.path = path;
    this.dest = dest;
    this.message = this.describe();
  }

  /** A bare error from the engine; the facade adds syscall and paths. */
  static of(code: ErrnoCode): FsError {
    return new FsError(code);
  }

  /** Fills in the call's context (only where still unset) and refreshes the message. */
  withContext(syscall: string, path?: string, dest?: string): this {
    this.syscall ??= syscall;
    this.path ??= path;
    this.dest ??= dest;
    this.message = this.describe();
    return this;
  }

  private describe(): string {
    let text = `${this.code}: ${ERRNO[this.code][1]}`;
    if (this.syscall !== undefined) text += `, ${this.syscall}`;
    if (this.path !== undefined) text += ` '${this.path}'`;
    if (this.dest !== undefined) text += ` -> '${this.dest}'`;
    return text;
  }
}
