import { S_ISGID, S_ISUID } from './abi.js';
import type { CopyUp } from './CopyUp.js';
import { isDir } from './Dentry.js';
import type { Lookup } from './Lookup.js';
import type { AttrTarget } from './OpenFiles.js';
import type { EngineOptions } from './options.js';

/**
 * chmod, chown and utimes, by path or through an fd: each copies up (metadata only where
 * allowed) and changes attributes.
 */
export class Attributes {
  readonly #paths: Lookup;
  readonly #copies: CopyUp;
  readonly #options: EngineOptions;

  constructor(paths: Lookup, copies: CopyUp, options: EngineOptions) {
    this.#paths = paths;
    this.#copies = copies;
    this.#options = options;
  }

  /** Attributes of `d` made writable: copies up (metadata only where allowed). */
  #target(path: string, follow: boolean): AttrTarget {
    const d = this.#paths.lookupOrThrow(path, follow);
    if (isDir(d)) return { meta: this.#copies.upperDirOf(d).meta, dir: true };
    return { meta: this.#copies.copyUp(d, true).meta, dir: false };
  }

  chmod(path: string, mode: number, follow = true): void {
    this.setMode(this.#target(path, follow), mode);
  }

  chown(path: string, uid: number, gid: number, follow = true): void {
    this.setOwner(this.#target(path, follow), uid, gid);
  }

  utimes(path: string, atime: number, mtime: number, follow = true): void {
    this.setTimes(this.#target(path, follow), atime, mtime);
  }

  /** chmod and fchmod (the fd's target: OpenFiles.attrTarget). */
  setMode(t: AttrTarget, mode: number): void {
    t.meta.mode = mode & 0o7777;
    t.meta.ctime = this.#options.clock();
  }

  /** chown, lchown and fchown; -1 keeps the uid or gid. */
  setOwner(t: AttrTarget, uid: number, gid: number): void {
    const meta = t.meta;
    if (uid !== -1) meta.uid = uid;
    if (gid !== -1) meta.gid = gid;
    // chown of a non-directory drops set-user-ID, and set-group-ID when group-executable,
    // even for root (open.c chown_common: ATTR_KILL_SUID | ATTR_KILL_SGID).
    if (!t.dir) {
      meta.mode &= ~S_ISUID;
      if ((meta.mode & 0o010) !== 0) meta.mode &= ~S_ISGID;
    }
    meta.ctime = this.#options.clock();
  }

  /** utimes, lutimes and futimes, in milliseconds. */
  setTimes(t: AttrTarget, atime: number, mtime: number): void {
    t.meta.atime = atime;
    t.meta.mtime = mtime;
    t.meta.ctime = this.#options.clock();
  }
}
