import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type ObjectView } from '../engine/index.js';

/** The device number every object of an overlay reports (one st_dev, as with xino). */
export const OVERLAY_DEV = 0x6f76;

/** The `is*()` methods Node's `Stats` and `Dirent` share; this emulator has no devices. */
abstract class FileTypeChecks {
  protected abstract kind(): 'file' | 'dir' | 'symlink' | undefined;

  isFile(): boolean {
    return this.kind() === 'file';
  }
  isDirectory(): boolean {
    return this.kind() === 'dir';
  }
  isSymbolicLink(): boolean {
    return this.kind() === 'symlink';
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}

/** Shaped like Node's `fs.Stats`: the same fields and `is*()` methods. */
export class Stats extends FileTypeChecks {
  dev = OVERLAY_DEV;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev = 0;
  size: number;
  blksize = 4096;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;

  constructor(info: ObjectView) {
    super();
    this.ino = info.ino;
    this.mode = info.mode;
    this.nlink = info.nlink;
    this.uid = info.uid;
    this.gid = info.gid;
    this.size = info.size;
    this.blocks = info.kind === 'file' ? Math.ceil(info.size / 512) : info.kind === 'dir' ? 8 : 0;
    this.atimeMs = info.atime;
    this.mtimeMs = info.mtime;
    this.ctimeMs = info.ctime;
    this.birthtimeMs = info.ctime;
  }

  protected kind(): 'file' | 'dir' | 'symlink' | undefined {
    const type = this.mode & S_IFMT;
    return type === S_IFREG ? 'file' : type === S_IFDIR ? 'dir' : type === S_IFLNK ? 'symlink' : undefined;
  }

  // Dates are made on first use, as Node's own Stats does: most callers never read them.
  get atime(): Date {
    return new Date(this.atimeMs);
  }
  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
  get ctime(): Date {
    return new Date(this.ctimeMs);
  }
  get birthtime(): Date {
    return new Date(this.birthtimeMs);
  }

}

/** Shaped like Node's `fs.Dirent`. */
export class Dirent extends FileTypeChecks {
  name: string;
  parentPath: string;
  /** Deprecated alias of `parentPath`, kept because Node 20 still has it. */
  path: string;
  readonly #kind: 'file' | 'dir' | 'symlink';

  protected kind(): 'file' | 'dir' | 'symlink' {
    return this.#kind;
  }

  constructor(name: string, parentPath: string, kind: 'file' | 'dir' | 'symlink') {
    super();
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this.#kind = kind;
  }

}
