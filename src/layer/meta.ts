/**
 * Object attributes (`Meta`): the one rule for which attributes a layer can hold, applied where
 * a layer is built (`makeMeta`), where a tar is read and where one is written. The rule is what
 * the canonical tar can always carry, so `toTar()` never fails on attributes a layer accepted.
 */
import { DomainError } from '../errors/index.js';
import type { Meta } from './types.js';

export const DEFAULT_MODE = { file: 0o644, dir: 0o755, symlink: 0o777 } as const;
const NO_XATTRS: Readonly<Record<string, string>> = Object.freeze({});

/** An attribute that breaks the rule: which one, and its value or name. */
export type MetaFault = { readonly key: 'uid' | 'gid' | 'mtime'; readonly value: number } | { readonly key: 'xattr'; readonly name: string };

/**
 * The first attribute no tar can carry, or `undefined`:
 * - uid and gid must be non-negative integers; any size a PAX record holds (Linux itself stops
 *   at 2^32 - 1, but tars go further);
 * - the time, in milliseconds, must truncate to a safe integer;
 * - an xattr name must be non-empty and free of `=` and NUL: a PAX keyword ends at the first
 *   `=`, and no record can hold a NUL in its keyword.
 * Absent attributes pass (they take defaults). The mode is not checked: only its permission
 * bits are kept.
 */
export function metaFault(meta: Partial<Meta>): MetaFault | undefined {
  const { uid, gid, mtime, xattrs } = meta;
  if (uid !== undefined && !isCount(uid)) return { key: 'uid', value: uid };
  if (gid !== undefined && !isCount(gid)) return { key: 'gid', value: gid };
  if (mtime !== undefined && !Number.isSafeInteger(Math.trunc(mtime))) return { key: 'mtime', value: mtime };
  if (xattrs !== undefined) {
    for (const name in xattrs) {
      if (name === '' || name.includes('=') || name.includes('\0')) return { key: 'xattr', name };
    }
  }
  return undefined;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Attributes a tar can always carry, or a `LayerFormatError` (so `toTar()` never fails later). */
export function makeMeta(partial: Partial<Meta> | undefined, defaultMode: number): Meta {
  const fault = partial === undefined ? undefined : metaFault(partial);
  if (fault !== undefined) {
    switch (fault.key) {
      case 'uid':
      case 'gid':
        throw new DomainError('LayerFormatError', `${fault.key} must be a non-negative integer: ${fault.value}`, { [fault.key]: fault.value });
      case 'mtime':
        throw new DomainError('LayerFormatError', `mtime out of range: ${fault.value}`, { mtime: fault.value });
      case 'xattr':
        throw new DomainError('LayerFormatError', `invalid xattr name: ${JSON.stringify(fault.name)}`, { name: fault.name });
    }
  }
  const xattrs = partial?.xattrs;
  return Object.freeze({
    mode: (partial?.mode ?? defaultMode) & 0o7777,
    uid: partial?.uid ?? 0,
    gid: partial?.gid ?? 0,
    mtime: Math.floor(partial?.mtime ?? 0),
    xattrs: xattrs === undefined || Object.keys(xattrs).length === 0 ? NO_XATTRS : Object.freeze({ ...xattrs }),
  });
}

/**
 * Same mode, owner and extended attributes: what a layer entry carries besides its time.
 * Callers that care about the time compare `mtime` themselves.
 */
export function sameAttributes(a: Omit<Meta, 'mtime'>, b: Omit<Meta, 'mtime'>): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return false;
  const keys = Object.keys(a.xattrs);
  if (keys.length !== Object.keys(b.xattrs).length) return false;
  return keys.every((k) => a.xattrs[k] === b.xattrs[k]);
}

export const DEFAULT_DIR_META: Meta = makeMeta(undefined, DEFAULT_MODE.dir);
