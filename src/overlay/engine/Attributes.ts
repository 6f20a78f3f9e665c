import type { MutableMeta } from '../../cow/index.js';
import { S_ISGID, S_ISUID } from './abi.js';
import type { CopyUp } from './CopyUp.js';
import { isDir, type Dentry } from './Dentry.js';
import type { Lookup } from './Lookup.js';
import type { EngineOptions } from './options.js';

/** chmod, chown and utimes: each copies up (metadata only where allowed) and changes attributes. */
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
  #writableMeta(d: Dentry): MutableMeta {
    if (isDir(d)) return this.#copies.upperDirOf(d).meta;
    return this.#copies.copyUp(d, true).meta;
  }

  chmod(path: string, mode: number, follow = true): void {
    const meta = this.#writableMeta(this.#paths.lookupOrThrow(path, follow));
    meta.mode = mode & 0o7777;
    meta.ctime = this.#options.clock();
  }

  chown(path: string, uid: number, gid: number, follow = true): void {
    const d = this.#paths.lookupOrThrow(path, follow);
    const meta = this.#writableMeta(d);
    if (uid !== -1) meta.uid = uid;
    if (gid !== -1) meta.gid = gid;
    // chown of a non-directory drops set-user-ID, and set-group-ID when group-executable,
    // even for root (open.c chown_common: ATTR_KILL_SUID | ATTR_KILL_SGID).
    if (!isDir(d)) {
      meta.mode &= ~S_ISUID;
      if ((meta.mode & 0o010) !== 0) meta.mode &= ~S_ISGID;
    }
    meta.ctime = this.#options.clock();
  }

  utimes(path: string, atime: number, mtime: number, follow = true): void {
    const meta = this.#writableMeta(this.#paths.lookupOrThrow(path, follow));
    meta.atime = atime;
    meta.mtime = mtime;
    meta.ctime = this.#options.clock();
  }
}
