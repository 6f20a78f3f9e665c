/**
 * Cleaning the member names of a layer: the one rule that the tar reader and `Layer.fromEntries`
 * share for what a name may be.
 */

/** Longest name of one path component, in bytes (include/uapi/linux/limits.h NAME_MAX). */
export const NAME_MAX = 255;


import { WHITEOUT_PREFIX } from './tar/whiteout.js';

const encoder = new TextEncoder();

/**
 * The clean absolute path of `raw`, as Docker and containerd clean a member name
 * (Go `filepath.Clean`): leading `./` and `/`, empty and `.` components dropped, and an inner
 * `..` resolved against the components before it (`usr/lib/../lib64` is `/usr/lib64`). Only a
 * `..` that would climb above the root is refused, the tar-slip attack: `'escapes'`.
 */
export function cleanPath(raw: string): string | 'escapes' {
  const rooted = raw.startsWith('/') ? raw : '/' + raw;
  // Most names are already clean: checking that costs a few native scans, not a split.
  const clean =
    rooted === '/' ||
    !(rooted.endsWith('/') || rooted.endsWith('/.') || rooted.endsWith('/..') || rooted.includes('//') || rooted.includes('/./') || rooted.includes('/../'));
  return (clean ? rooted : resolveComponents(rooted)) ?? 'escapes';
}

function resolveComponents(rooted: string): string | undefined {
  const parts: string[] = [];
  for (const part of rooted.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return '/' + parts.join('/');
}

/**
 * Some component of the clean path is longer than NAME_MAX bytes of UTF-8, so that no
 * filesystem could hold it (lstat(2) ENAMETOOLONG). A whiteout `.wh.<name>` stands for `<name>`,
 * which is what must fit.
 */
export function nameTooLong(path: string): boolean {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: shorter components always fit.
  const fits = Math.floor(NAME_MAX / 3);
  if (path.length <= fits + 1) return false;
  for (let start = 1; start < path.length; ) {
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    if (end - start > fits) {
      const bytes = encoder.encode(path.slice(start, end)).length;
      const marker = path.startsWith(WHITEOUT_PREFIX, start) ? WHITEOUT_PREFIX.length : 0;
      if (bytes - marker > NAME_MAX) return true;
    }
    start = end + 1;
  }
  return false;
}
