import { FsError } from '../../errors/index.js';
import { cleanPath, joinPath } from '../../path/index.js';
import { isDir, type Engine } from '../engine/index.js';
import { checkReadFileSize, encodingOf, fromBytes, parseMode, toBytes, toPath, toTimeMs, type Encoding, type PathLike } from './args.js';
import { constants } from './constants.js';
import { withContext } from './context.js';
import { createFdCalls } from './fdCalls.js';
import { mkdirp, rimraf, type TreeCalls } from './nodeAlgorithms.js';
import { Dirent, Stats } from './Stats.js';

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

/** Builds the Node-`fs`-compatible object (sync, callback and promises forms) over an engine. */
export function createFs(engine: Engine) {
  const fd = createFdCalls(engine);

  const statPath = (syscall: string, p: PathLike, follow: boolean, options?: StatOptions): Stats | undefined => {
    const path = toPath(p);
    const d = follow ? engine.paths.lookupForRead(path) : engine.paths.lookupForLstat(path);
    if (typeof d === 'string') {
      // Missing paths cost no exception when the caller asked for none (memfs does the same).
      if (d === 'ENOENT' && options?.throwIfNoEntry === false) return undefined;
      throw new FsError(d, syscall, path);
    }
    return new Stats(engine.view(d));
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
        const d = engine.paths.lookupOrThrow(dirPath, true);
        for (const entry of engine.paths.readdir(d)) {
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

  const writeFileWith = (defaultFlag: string, file: PathLike | number, data: DataArg, options?: WriteOptions): void => {
    const opts = typeof options === 'object' && options !== null ? options : {};
    const bytes = toBytes(data, encodingOf(options) ?? 'utf8');
    if (typeof file === 'number') {
      // Node writes in a loop while bytes remain (lib/fs.js writeFileSync): nothing to write
      // touches no fd, even a closed one.
      if (bytes.length > 0) fd.write(file, bytes);
      return;
    }
    const opened = fd.openFd(file, opts.flag ?? defaultFlag, opts.mode ?? 0o666);
    try {
      fd.write(opened, bytes);
    } finally {
      fd.release(opened);
    }
  };

  const tree: TreeCalls = {
    isDirectory: (path) => sync.lstatSync(path, { throwIfNoEntry: false })?.isDirectory(),
    readdir: (path) => sync.readdirSync(path),
  };

  const sync = {
    existsSync(p: PathLike): boolean {
      try {
        return typeof engine.paths.lookupForRead(toPath(p)) !== 'string';
      } catch {
        return false;
      }
    },

    statSync,
    lstatSync,

    readFileSync(file: PathLike | number, options?: ReadOptions): Uint8Array | string {
      const encoding = encodingOf(options);
      if (typeof file === 'number') return fromBytes(fd.readAll(file), encoding);
      const flag = typeof options === 'object' && options !== null ? options.flag : undefined;
      if (flag === undefined || flag === 'r') {
        // The common case needs no file descriptor: look up, then read the data directly.
        const path = toPath(file);
        const d = engine.paths.lookupForRead(path);
        if (typeof d === 'string') throw new FsError(d, 'open', path);
        if (isDir(d)) throw new FsError('EISDIR', 'read');
        const data = engine.dataOf(d);
        checkReadFileSize(data.size);
        return fromBytes(data.read(0, data.size), encoding);
      }
      const opened = fd.openFd(file, flag);
      try {
        return fromBytes(fd.readAll(opened), encoding);
      } finally {
        fd.release(opened);
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
        withContext('mkdir', path, undefined, () => engine.names.mkdir(path, mode));
        return undefined;
      }
      return withContext('mkdir', path, undefined, () => mkdirp(engine, path, mode));
    },

    rmdirSync(p: PathLike, options?: { recursive?: boolean }): void {
      const path = toPath(p);
      if (options?.recursive) return sync.rmSync(path, { recursive: true });
      withContext('rmdir', path, undefined, () => engine.names.rmdir(path));
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
      rimraf(engine, tree, path);
    },

    unlinkSync(p: PathLike): void {
      const path = toPath(p);
      withContext('unlink', path, undefined, () => engine.names.unlink(path));
    },

    renameSync(oldPath: PathLike, newPath: PathLike): void {
      const from = toPath(oldPath, 'oldPath');
      const to = toPath(newPath, 'newPath');
      withContext('rename', from, to, () => engine.names.rename(from, to));
    },

    symlinkSync(target: PathLike, p: PathLike, _type?: string): void {
      const t = toPath(target, 'target');
      const path = toPath(p);
      withContext('symlink', t, path, () => engine.names.symlink(t, path));
    },

    readlinkSync(p: PathLike, options?: Encoding | { encoding?: Encoding }): string | Uint8Array {
      const path = toPath(p);
      const target = withContext('readlink', path, undefined, () => engine.paths.readlink(path));
      return encodingOf(options) === 'buffer' ? toBytes(target) : target;
    },

    linkSync(existingPath: PathLike, newPath: PathLike): void {
      const from = toPath(existingPath, 'existingPath');
      const to = toPath(newPath, 'newPath');
      withContext('link', from, to, () => engine.names.link(from, to));
    },

    chmodSync(p: PathLike, mode: number | string): void {
      const path = toPath(p);
      withContext('chmod', path, undefined, () => engine.attrs.chmod(path, parseMode(mode, 0)));
    },

    chownSync(p: PathLike, uid: number, gid: number): void {
      const path = toPath(p);
      withContext('chown', path, undefined, () => engine.attrs.chown(path, uid, gid, true));
    },

    lchownSync(p: PathLike, uid: number, gid: number): void {
      const path = toPath(p);
      withContext('lchown', path, undefined, () => engine.attrs.chown(path, uid, gid, false));
    },

    utimesSync(p: PathLike, atime: number | string | Date, mtime: number | string | Date): void {
      const path = toPath(p);
      const a = toTimeMs(atime, 'atime', engine.options.clock);
      const m = toTimeMs(mtime, 'mtime', engine.options.clock);
      withContext('utime', path, undefined, () => engine.attrs.utimes(path, a, m, true));
    },

    lutimesSync(p: PathLike, atime: number | string | Date, mtime: number | string | Date): void {
      const path = toPath(p);
      const a = toTimeMs(atime, 'atime', engine.options.clock);
      const m = toTimeMs(mtime, 'mtime', engine.options.clock);
      withContext('lutime', path, undefined, () => engine.attrs.utimes(path, a, m, false));
    },

    truncateSync(p: PathLike | number, len: number = 0): void {
      if (typeof p === 'number') return sync.ftruncateSync(p, len);
      // Node 20's truncateSync: open 'r+', then ftruncateSync (a negative length is 0).
      const opened = fd.openFd(p, 'r+');
      try {
        sync.ftruncateSync(opened, len);
      } finally {
        fd.release(opened);
      }
    },

    copyFileSync(src: PathLike, dest: PathLike, mode = 0): void {
      const from = toPath(src, 'src');
      const to = toPath(dest, 'dest');
      withContext('copyfile', from, to, () => engine.files.copyFile(from, to, (mode & constants.COPYFILE_EXCL) !== 0));
    },

    realpathSync(p: PathLike, options?: Encoding | { encoding?: Encoding }): string | Uint8Array {
      const path = toPath(p);
      // Node's realpathSync first runs path.resolve: '..' and trailing slashes go lexically.
      const real = withContext('realpath', path, undefined, () => engine.paths.realpath(cleanPath(path)));
      return encodingOf(options) === 'buffer' ? toBytes(real) : real;
    },

    accessSync(p: PathLike, mode = constants.F_OK): void {
      const path = toPath(p);
      const d = engine.paths.lookup(path, true);
      if (typeof d === 'string') throw new FsError(d, 'access', path);
      // The emulator acts as root: read and write always pass; execute needs some x bit on
      // a non-directory (generic_permission for CAP_DAC_OVERRIDE).
      const info = engine.view(d);
      if ((mode & constants.X_OK) !== 0 && info.kind !== 'dir' && (info.mode & 0o111) === 0) {
        throw new FsError('EACCES', 'access', path);
      }
    },

    ...fd.calls,
  };

  return { sync };
}

export type SyncFs = ReturnType<typeof createFs>['sync'];
