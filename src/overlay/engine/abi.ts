import { fail } from './fail.js';

/**
 * The Linux ABI values the engine speaks: open flags and mode bits (include/uapi/asm-generic/
 * fcntl.h, include/uapi/linux/stat.h) and the namei limits.
 */

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;

/** Symlinks followed in one lookup at most (namei.c MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;
/** Longest name of one path component, in bytes (include/uapi/linux/limits.h NAME_MAX). */
export const NAME_MAX = 255;

/**
 * Longest path argument, in bytes with its terminating NUL (include/uapi/linux/limits.h
 * PATH_MAX): a path or symlink target of 4096 bytes or more is ENAMETOOLONG (namei.c getname,
 * strncpy_from_user; test/unit/overlay/limits.test.ts).
 */
export const PATH_MAX = 4096;

/**
 * The longest absolute redirect overlayfs writes, in bytes (the `redirect_max` module
 * parameter, 256 by default: overlayfs.rst "renaming directories"). A rename that needs a
 * longer one fails EXDEV (dir.c ovl_get_redirect: "fall back to userspace move").
 */
export const REDIRECT_MAX = 256;

/** A path argument the kernel refuses before looking at it (ENAMETOOLONG). */
export function pathTooLong(path: string): boolean {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: shorter strings always fit.
  return path.length * 3 >= PATH_MAX && utf8Length(path) >= PATH_MAX;
}

/** Throws ENAMETOOLONG for a path argument (or symlink target) of PATH_MAX bytes or more. */
export function checkPathLength(path: string): void {
  if (pathTooLong(path)) fail('ENAMETOOLONG');
}

/**
 * A name longer than NAME_MAX bytes of UTF-8, the bytes the kernel sees. A UTF-16 code unit
 * is at most 3 bytes (a surrogate pair, 2 units, is 4), so names of up to 85 units never
 * need counting: the common case costs one comparison.
 */
export function nameTooLong(name: string): boolean {
  return name.length > NAME_MAX / 3 && utf8Length(name) > NAME_MAX;
}

/** Bytes of `s` in UTF-8, as TextEncoder writes it (a lone surrogate as U+FFFD). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // also a lone surrogate, which TextEncoder writes as U+FFFD (3 bytes)
  }
  return bytes;
}
