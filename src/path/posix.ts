/**
 * POSIX path handling on plain strings (no `node:path`, so the engine runs in a browser).
 *
 * Two different jobs live here and must not be mixed up:
 * - `parsePath` splits a path the way the kernel walks it: `.` and `..` are kept as steps,
 *   because `..` after a symlink means "the parent of the link's target", which only the walk
 *   can know; a trailing slash is remembered (it demands a directory).
 * - `cleanPath` is the lexical clean-up used for layer entry names, where no symlinks apply.
 */

export interface ParsedPath {
  /** Components in order, `.` removed, `..` kept. */
  readonly steps: readonly string[];
  /** The path ended in `/` (or `/.`): the last component must be a directory. */
  readonly trailingSlash: boolean;
  /** The path ended in `.` (`/a/.`, `.`): syscalls that create or remove refuse it. */
  readonly lastDot: boolean;
}

export function parsePath(path: string): ParsedPath {
  // A scan with indexOf instead of split: this runs on every call of the fs facade.
  const steps: string[] = [];
  const n = path.length;
  let start = 0;
  while (start <= n) {
    let end = path.indexOf('/', start);
    if (end < 0) end = n;
    if (end > start && !(end === start + 1 && path.charCodeAt(start) === 0x2e)) steps.push(path.slice(start, end));
    start = end + 1;
  }
  // "a/" and "a/." both require a directory at "a"; a bare "/" has no last component.
  const lastDot = path === '.' || path.endsWith('/.');
  const trailingSlash = steps.length > 0 && (path.charCodeAt(n - 1) === 0x2f || lastDot);
  return { steps, trailingSlash, lastDot };
}

/** Lexically cleaned absolute path: `/a/b`, root is `/`; `..` never climbs above the root. */
export function cleanPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Parent of a clean absolute path (`/` for `/` and for top-level names). */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Last component of a clean absolute path (`''` for `/`). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Components of a clean absolute path (`[]` for `/`). */
export function pathSteps(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/** True when `inner` is `outer` or lies below it (both clean absolute paths). */
export function isWithin(inner: string, outer: string): boolean {
  return outer === '/' || inner === outer || inner.startsWith(outer + '/');
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * True when `text` has a UTF-16 surrogate (paired or not): only then does `compareNames` order
 * it otherwise than the strings' own order.
 */
export function hasSurrogates(text: string): boolean {
  return SURROGATE.test(text);
}

/** Byte-wise comparison of UTF-8 names, the order tar writers and Go's sort use. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 code unit order equals UTF-8 byte order except that supplementary-plane characters
  // (surrogate pairs, D800-DFFF) sort after every BMP character in UTF-8.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** An order of names: whether `a` sorts before `b`. */
export type NameOrder = (a: string, b: string) => boolean;
/** The strings' own order: `compareNames`'s wherever neither string has a surrogate. */
export const stringsLess: NameOrder = (a, b) => a < b;
/** `compareNames`'s order (UTF-8 bytes). */
export const namesLess: NameOrder = (a, b) => compareNames(a, b) < 0;

/** The first index in `from..` of `paths` (sorted by `less`) whose path does not sort before `key`. */
export function lowerBound(paths: readonly string[], key: string, from = 0, less: NameOrder = namesLess): number {
  let low = from;
  let high = paths.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (less(paths[mid]!, key)) low = mid + 1;
    else high = mid;
  }
  return low;
}
