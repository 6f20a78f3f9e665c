import { FsError } from '../../errors/index.js';
import { concatBytes } from '../../layer/index.js';
import { cleanPath, joinPath } from '../../path/index.js';
import { isDir } from '../engine/Dentry.js';
import {
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type Engine,
  type Handle,
} from '../engine/Engine.js';
import {
  encodingOf,
  fromBytes,
  parseFlags,
  parseMode,
  toBytes,
  toPath,
  toTimeMs,
  type Encoding,
  type PathLike,
} from './args.js';
import { Dirent, Stats } from './Stats.js';

export const constants = Object.freeze({
  F_OK: 0,
  R_OK: 4,
  W_OK: 2,
  X_OK: 1,
  COPYFILE_EXCL: 1,
  COPYFILE_FICLONE: 2,
  COPYFILE_FICLONE_FORCE: 4,
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_CREAT,
  O_EXCL,
  O_TRUNC,
  O_APPEND,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_NOCTTY: 0o400,
  O_SYNC: 0o4010000,
  O_DSYNC: 0o10000,
  S_IFMT,
  S_IFREG,
  S_IFDIR,
  S_IFLNK,
});

type DataArg = string | ArrayBufferView;
type WriteOptions = Encoding | { encoding?: Encoding; mode?: number | string; flag?: string | number };
type ReadOptions = Encoding | { encoding?: Encoding; flag?: string | number };
interface ReaddirOptions {
  encoding?: Encoding;
  withFileTypes?: boolean;
  recursive?: boolean;
}
interface StatOptions {
  throwIfNoEntry?: boolean;
  bigint?: boolean;
}

/**
 * Runs `body`, giving an engine error the Node context (syscall, path, dest) once, here at the
 * edge, as memfs and zen-fs do; the engine itself throws bare codes.
 */
function withContext<T>(syscall: string, path: string | undefined, dest: string | undefined, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof FsError) e.withContext(syscall, path, dest);
    throw e;
  }
}

const FIRST_FD = 3;

/** Builds the Node-`fs`-compatible object (sync, callback and promises forms) over an engine. */
export function createFs(engine: Engine) {
  const fds = new Map<number, Handle>();
  let nextFd = FIRST_FD;

  const handleOf = (fd: number, syscall: string): Handle => {
    const h = fds.get(fd);
    if (h === undefined) throw new FsError('EBADF', syscall);
    return h;
  };

  const statPath = (syscall: string, p: PathLike, follow: boolean, options?: StatOptions): Stats | undefined => {
    const path = toPath(p);
    const d = follow ? engine.lookupForRead(path) : engine.lookup(path, false);
    if (typeof d === 'string') {
      // Missing paths cost no exception when the caller asked for none (memfs does the same).
      if (d === 'ENOENT' && options?.throwIfNoEntry === false) return undefined;
      throw new FsError(d, syscall, path);
    }
    return new Stats(engine.stat(d));
  };

  // Node's overloads: only { throwIfNoEntry: false } can give undefined.
  function statSync(p: PathLike, options: StatOptions & { throwIfNoEntry: false }): Stats | undefined;
  function statSync(p: PathLike, options?: StatOptions): Stats;
  function statSync(p: PathLike, options?: StatOptions): Stats | undefined {
    return statPath('stat', p, true, options);
  }
  function lstatSync(p: PathLike, options: StatOptions & { throwIfNoEntry: false }): Stats | undefined;
  function lstatSync(p: PathLike, options?: StatOptions): Stats;
  function lstatSync(p: PathLike, options?: StatOptions): Stats | undefined {
    return statPath('lstat', p, false, options);
  }

  function readdirSync(p: PathLike, options: ReaddirOptions & { withFileTypes: true }): Dirent[];
  function readdirSync(p: PathLike, options: { encoding: 'buffer'; withFileTypes?: false; recursive?: boolean } | 'buffer'): Uint8Array[];
  function readdirSync(p: PathLike, options?: ReaddirOptions | Encoding): string[];
  function readdirSync(p: PathLike, options?: ReaddirOptions | Encoding): (string | Uint8Array | Dirent)[] {
    const path = toPath(p);
    const opts: ReaddirOptions = typeof options === 'object' && options !== null ? options : { encoding: options };
    return withContext('scandir', path, undefined, () => {
      const out: (string | Uint8Array | Dirent)[] = [];
      const visit = (dirPath: string, prefix: string): void => {
        const d = engine.lookupOrThrow(dirPath, true);
        for (const entry of engine.readdir(d)) {
          const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
          if (opts.withFileTypes) out.push(new Dirent(entry.name, prefix === '' ? path : joinPath(path, prefix), entry.kind));
          else out.push(opts.encoding === 'buffer' ? toBytes(rel) : rel);
          if (opts.recursive && entry.kind === 'dir') visit(joinPath(dirPath === '' ? '/' : dirPath, entry.name), rel);
        }
      };
      visit(path, '');
      return out;
    });
  }

  const openFd = (p: PathLike, flags?: string | number, mode?: number | string): number => {
    const path = toPath(p);
    const h = withContext('open', path, undefined, () => engine.open(path, parseFlags(flags, 'r'), parseMode(mode, 0o666)));
    const fd = nextFd++;
    fds.set(fd, h);
    return fd;
  };

  const readAll = (fd: number): Uint8Array => {
    const h = handleOf(fd, 'read');
    const chunks: Uint8Array[] = [];
    for (;;) {
      const chunk = withContext('read', undefined, undefined, () => engine.read(h, 1 << 24, null));
      if (chunk.length === 0) break;
      chunks.push(chunk);
    }
    return concatBytes(chunks);
  };

  const writeFileWith = (defaultFlag: string, file: PathLike | number, data: DataArg, options?: WriteOptions): void => {
    const opts = typeof options === 'object' && options !== null ? options : {};
    const bytes = toBytes(data, encodingOf(options) ?? 'utf8');
    if (typeof file === 'number') {
      withContext('write', undefined, undefined, () => engine.write(handleOf(file, 'write'), bytes, null));
      return;
    }
    const fd = openFd(file, opts.flag ?? defaultFlag, opts.mode ?? 0o666);
    try {
      withContext('write', undefined, undefined, () => engine.write(fds.get(fd)!, bytes, null));
    } finally {
      fds.delete(fd);
    }
  };

  /**
   * Node's mkdirSync(p, { recursive: true }) (node_file.cc MKDirpSync): try mkdir; on ENOENT
   * make the parent first; on any other error the path must already be a directory.
   * Returns the first directory made, spelled as Node spells it.
   */
  const mkdirp = (path: string, mode: number): string | undefined => {
    const stack = [path];
    let first: string | undefined;
    while (stack.length > 0) {
      const next = stack.pop()!;
      let code: string | undefined;
      try {
        engine.mkdir(next, mode);
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        code = e.code;
      }
      for (;;) {
        if (code === undefined) {
          first ??= next;
          break;
        }
        if (code === 'EACCES' || code === 'ENOTDIR' || code === 'EPERM') throw FsError.of(code);
        if (code === 'ENOENT') {
          const cut = next.lastIndexOf('/');
          const parent = cut < 0 ? next : next.slice(0, cut);
          if (parent !== next) stack.push(next, parent);
          else if (stack.length === 0) {
            code = 'EEXIST';
            continue;
          }
          break;
        }
        const found = engine.lookup(next, true);
        if (typeof found === 'string') throw FsError.of(found);
        if (!isDir(found)) throw FsError.of(code === 'EEXIST' && stack.length > 0 ? 'ENOTDIR' : 'EEXIST');
        break;
      }
    }
    return first;
  };

  /** Node 20's rimrafSync: unlink non-directories; rmdir, and only on ENOTEMPTY empty it first. */
  const rimraf = (path: string): void => {
    const st = sync.lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    try {
      if (st.isDirectory()) rmdirTree(path, undefined);
      else withContext('unlink', path, undefined, () => engine.unlink(path));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') return;
      if (code !== 'EISDIR') throw e;
      rmdirTree(path, e as Error);
    }
  };

  const rmdirTree = (path: string, originalError: Error | undefined): void => {
    try {
      withContext('rmdir', path, undefined, () => engine.rmdir(path));
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') return;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw originalError ?? e;
    }
    for (const name of sync.readdirSync(path) as string[]) rimraf(path.endsWith('/') ? path + name : `${path}/${name}`);
    try {
      withContext('rmdir', path, undefined, () => engine.rmdir(path));
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw originalError ?? e;
    }
  };

  const sync = {
    existsSync(p: PathLike): boolean {
      try {
        return typeof engine.lookupForRead(toPath(p)) !== 'string';
      } catch {
        return false;
      }
    },

    statSync,
    lstatSync,

    readFileSync(file: PathLike | number, options?: ReadOptions): Uint8Array | string {
      const encoding = encodingOf(options);
      if (typeof file === 'number') return fromBytes(readAll(file), encoding);
      const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
      if (flag === undefined || flag === 'r') {
        // The common case needs no file descriptor: look up, then read the data directly.
        const path = toPath(file);
        const d = engine.lookupForRead(path);
        if (typeof d === 'string') throw new FsError(d, 'open', path);
        if (isDir(d)) throw new FsError('EISDIR', 'read');
        const data = engine.dataOf(d);
        return fromBytes(data.read(0, data.size), encoding);
      }
      const fd = openFd(file, flag);
      try {
        return fromBytes(readAll(fd), encoding);
      } finally {
        fds.delete(fd);
      }
    },

    writeFileSync(file: PathLike | number, data: DataArg, options?: WriteOptions): void {
      writeFileWith('w', file, data, options);
    },

    appendFileSync(file: PathLike | number, data: DataArg, options?: WriteOptions): void {
      writeFileWith('a', file, data, options);
    },

    readdirSync,

    mkdirSync(p: PathLike, options?: number | string | { recursive?: boolean; mode?: number | string }): string | undefined {
      const path = toPath(p);
      const opts = typeof options === 'object' && options !== null ? options : { mode: options };
      const mode = parseMode(opts.mode, 0o777);
      if (!opts.recursive) {
        withContext('mkdir', path, undefined, () => engine.mkdir(path, mode));
        return undefined;
      }
      return withContext('mkdir', path, undefined, () => mkdirp(path, mode));
    },

    rmdirSync(p: PathLike, options?: { recursive?: boolean }): void {
      const path = toPath(p);
      if (options?.recursive) return sync.rmSync(path, { recursive: true });
      withContext('rmdir', path, undefined, () => engine.rmdir(path));
    },

    rmSync(p: PathLike, options?: { recursive?: boolean; force?: boolean }): void {
      const path = toPath(p);
      // Node 20's validateRmOptionsSync, then rimrafSync (lib/internal/fs/rimraf.js).
      if (!options?.force || !options.recursive) {
        const st = sync.lstatSync(path, { throwIfNoEntry: !options?.force });
        if (st?.isDirectory() && !options?.recursive) {
          // Node's own error for this case (ERR_FS_EISDIR), not an errno from a syscall.
          const err = new Error(`Path is a directory: rm returned EISDIR (is a directory) ${path}`) as Error & Record<string, unknown>;
          Object.assign(err, { code: 'ERR_FS_EISDIR', errno: 21, syscall: 'rm', path });
          throw err;
        }
      }
      rimraf(path);
    },

    unlinkSync(p: PathLike): void {
      const path = toPath(p);
      withContext('unlink', path, undefined, () => engine.unlink(path));
    },

    renameSync(oldPath: PathLike, newPath: PathLike): void {
      const from = toPath(oldPath, 'oldPath');
      const to = toPath(newPath, 'newPath');
      withContext('rename', from, to, () => engine.rename(from, to));
    },

    symlinkSync(target: PathLike, p: PathLike, _type?: string): void {
      const t = toPath(target, 'target');
      const path = toPath(p);
      withContext('symlink', t, path, () => engine.symlink(t, path));
    },

    readlinkSync(p: PathLike, options?: Encoding | { encoding?: Encoding }): string | Uint8Array {
      const path = toPath(p);
      const target = withContext('readlink', path, undefined, () => engine.readlink(path));
      return encodingOf(options) === 'buffer' ? toBytes(target) : target;
    },

    linkSync(existingPath: PathLike, newPath: PathLike): void {
      const from = toPath(existingPath, 'existingPath');
      const to = toPath(newPath, 'newPath');
      withContext('link', from, to, () => engine.link(from, to));
    },

    chmodSync(p: PathLike, mode: number | string): void {
      const path = toPath(p);
      withContext('chmod', path, undefined, () => engine.chmod(path, parseMode(mode, 0)));
    },

    chownSync(p: PathLike, uid: number, gid: number): void {
      const path = toPath(p);
      withContext('chown', path, undefined, () => engine.chown(path, uid, gid, true));
    },

    lchownSync(p: PathLike, uid: number, gid: number): void {
      const path = toPath(p);
      withContext('lchown', path, undefined, () => engine.chown(path, uid, gid, false));
    },

    utimesSync(p: PathLike, atime: number | string | Date, mtime: number | string | Date): void {
      const path = toPath(p);
      const a = toTimeMs(atime, 'atime');
      const m = toTimeMs(mtime, 'mtime');
      withContext('utime', path, undefined, () => engine.utimes(path, a, m, true));
    },

    lutimesSync(p: PathLike, atime: number | string | Date, mtime: number | string | Date): void {
      const path = toPath(p);
      const a = toTimeMs(atime, 'atime');
      const m = toTimeMs(mtime, 'mtime');
      withContext('lutime', path, undefined, () => engine.utimes(path, a, m, false));
    },

    truncateSync(p: PathLike | number, len = 0): void {
      if (typeof p === 'number') return sync.ftruncateSync(p, len);
      const path = toPath(p);
      withContext('open', path, undefined, () => engine.truncate(path, len));
    },

    copyFileSync(src: PathLike, dest: PathLike, mode = 0): void {
      const from = toPath(src, 'src');
      const to = toPath(dest, 'dest');
      withContext('copyfile', from, to, () => engine.copyFile(from, to, (mode & constants.COPYFILE_EXCL) !== 0));
    },

    realpathSync(p: PathLike, options?: Encoding | { encoding?: Encoding }): string | Uint8Array {
      const path = toPath(p);
      // Node's realpathSync first runs path.resolve: '..' and trailing slashes go lexically.
      const real = withContext('realpath', path, undefined, () => engine.realpath(cleanPath(path)));
      return encodingOf(options) === 'buffer' ? toBytes(real) : real;
    },

    accessSync(p: PathLike, mode = constants.F_OK): void {
      const path = toPath(p);
      const d = engine.lookup(path, true);
      if (typeof d === 'string') throw new FsError(d, 'access', path);
      // The emulator acts as root: read and write always pass; execute needs some x bit on
      // a non-directory (generic_permission for CAP_DAC_OVERRIDE).
      const info = engine.stat(d);
      if ((mode & constants.X_OK) !== 0 && info.kind !== 'dir' && (info.mode & 0o111) === 0) {
        throw new FsError('EACCES', 'access', path);
      }
    },

    openSync(p: PathLike, flags?: string | number, mode?: number | string): number {
      return openFd(p, flags, mode);
    },

    closeSync(fd: number): void {
      handleOf(fd, 'close');
      fds.delete(fd);
    },

    readSync(
      fd: number,
      buffer: ArrayBufferView,
      offsetOrOptions?: number | { offset?: number; length?: number; position?: number | null },
      length?: number,
      position?: number | null,
    ): number {
      const h = handleOf(fd, 'read');
      const view = toBytes(buffer);
      let offset = 0;
      if (typeof offsetOrOptions === 'object' && offsetOrOptions !== null) {
        offset = offsetOrOptions.offset ?? 0;
        length = offsetOrOptions.length;
        position = offsetOrOptions.position;
      } else if (offsetOrOptions !== undefined) offset = offsetOrOptions;
      const len = length ?? view.length - offset;
      const pos = position === undefined || position === null || position === -1 ? null : Number(position);
      const bytes = withContext('read', undefined, undefined, () => engine.read(h, len, pos));
      view.set(bytes, offset);
      return bytes.length;
    },

    writeSync(
      fd: number,
      data: DataArg,
      offsetOrPosition?: number | null,
      lengthOrEncoding?: number | string | null,
      position?: number | null,
    ): number {
      const h = handleOf(fd, 'write');
      let bytes: Uint8Array;
      let pos: number | null;
      if (typeof data === 'string') {
        bytes = toBytes(data, typeof lengthOrEncoding === 'string' ? lengthOrEncoding : 'utf8');
        pos = offsetOrPosition ?? null;
      } else {
        const view = toBytes(data);
        const offset = offsetOrPosition ?? 0;
        const length = typeof lengthOrEncoding === 'number' ? lengthOrEncoding : view.length - offset;
        bytes = view.subarray(offset, offset + length);
        pos = position ?? null;
      }
      return withContext('write', undefined, undefined, () => engine.write(h, bytes, pos));
    },

    fstatSync(fd: number): Stats {
      const h = handleOf(fd, 'fstat');
      return new Stats(engine.fstat(h));
    },

    ftruncateSync(fd: number, len = 0): void {
      const h = handleOf(fd, 'ftruncate');
      withContext('ftruncate', undefined, undefined, () => engine.ftruncate(h, len));
    },

    fsyncSync(fd: number): void {
      handleOf(fd, 'fsync');
    },

    fdatasyncSync(fd: number): void {
      handleOf(fd, 'fdatasync');
    },
  };

  return { sync, handleOf, readAll };
}

export type SyncFs = ReturnType<typeof createFs>['sync'];
