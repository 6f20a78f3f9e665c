import type { MutableMeta, UpperDir } from '../../cow/index.js';
import { S_ISGID } from './abi.js';

export interface EngineOptions {
  /** `redirect_dir=on`: lower and merged directories can be renamed (else EXDEV). */
  redirectDir: boolean;
  /** `index=on`: hard links between lower names survive copy-up. */
  index: boolean;
  /** `metacopy=on`: attribute changes copy up metadata only, data stays below until written. */
  metacopy: boolean;
  clock: () => number;
  uid: number;
  gid: number;
  umask: number;
}

/**
 * Attributes of a new object in `parent`: a set-group-ID directory hands down its group,
 * and to new subdirectories the bit itself (inode.c inode_init_owner).
 */
export function newMeta(options: EngineOptions, mode: number, parent: UpperDir, isDirectory = false): MutableMeta {
  const t = options.clock();
  let gid = options.gid;
  let bits = mode & 0o7777;
  if ((parent.meta.mode & S_ISGID) !== 0) {
    gid = parent.meta.gid;
    if (isDirectory) bits |= S_ISGID;
  }
  return { mode: bits, uid: options.uid, gid, mtime: t, atime: t, ctime: t, xattrs: {} };
}

/** A directory whose entries changed: new mtime and ctime. */
export function touchDir(options: EngineOptions, dir: UpperDir): void {
  dir.meta.mtime = dir.meta.ctime = options.clock();
}
