import { FsError } from '../../errors/index.js';
import { concatBytes } from '../../layer/index.js';
import { O_DIRECTORY, O_RDONLY, type Engine, type Handle } from '../engine/index.js';
import { checkReadFileSize, ioPosition, parseFlags, parseMode, readArgs, writeArgs, toBytes, toLength, toPath, toTimeMs, type PathLike } from './args.js';
import { withContext } from './context.js';
import { Dir } from './Dir.js';
import { Stats } from './Stats.js';

type DataArg = string | ArrayBufferView;

const FIRST_FD = 3;

/** The fd table of one mount and the calls that take an fd (openSync … fdatasyncSync). */
export function createFdCalls(engine: Engine) {
  const fds = new Map<number, Handle>();
  let nextFd = FIRST_FD;

  const handleOf = (fd: number, syscall: string): Handle => {
    const h = fds.get(fd);
    if (h === undefined) throw new FsError('EBADF', syscall);
    return h;
  };

  const openFd = (p: PathLike, flags?: string | number, mode?: number | string): number => {
    const path = toPath(p);
    const h = withContext('open', path, undefined, () => engine.files.open(path, parseFlags(flags, 'r'), parseMode(mode, 0o666)));
    const fd = nextFd++;
    fds.set(fd, h);
    return fd;
  };

  /** Closes an fd the facade opened for itself (readFile, writeFile). */
  const release = (fd: number): void => {
    fds.delete(fd);
  };

  const readAll = (fd: number): Uint8Array => {
    const h = handleOf(fd, 'read');
    const st = engine.files.fstat(h);
    if ((st.mode & 0o170000) === 0o100000) checkReadFileSize(st.size);
    const chunks: Uint8Array[] = [];
    for (;;) {
      const chunk = withContext('read', undefined, undefined, () => engine.files.read(h, 1 << 24, null));
      if (chunk.length === 0) break;
      chunks.push(chunk);
    }
    return concatBytes(chunks);
  };

  const write = (fd: number, bytes: Uint8Array): void => {
    const h = handleOf(fd, 'write');
    withContext('write', undefined, undefined, () => engine.files.write(h, bytes, null));
  };

  const calls = {
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
      const view = toBytes(buffer);
      let offset = 0;
      if (typeof offsetOrOptions === 'object' && offsetOrOptions !== null) {
        offset = offsetOrOptions.offset ?? 0;
        length = offsetOrOptions.length;
        position = offsetOrOptions.position;
      } else if (offsetOrOptions !== undefined) offset = offsetOrOptions;
      // Node's readSync checks its arguments and answers a zero-length read itself, before
      // any syscall: even on a directory or closed fd (lib/fs.js readSync).
      const len = readArgs(view.length, offset, length ?? view.length - offset, position);
      if (len === 0) return 0;
      const h = handleOf(fd, 'read');
      const pos = position === undefined || position === null || position === -1 ? null : Number(position);
      const bytes = withContext('read', undefined, undefined, () => engine.files.read(h, len, pos));
      view.set(bytes, offset);
      return bytes.length;
    },

    writeSync(
      fd: number,
      data: DataArg,
      offsetOrPosition?: number | null | { offset?: number; length?: number; position?: number | null },
      lengthOrEncoding?: number | string | null,
      position?: number | null,
    ): number {
      let bytes: Uint8Array;
      let pos: unknown;
      // Node checks the arguments before it looks at the fd (lib/fs.js writeSync).
      if (typeof data === 'string') {
        bytes = toBytes(data, typeof lengthOrEncoding === 'string' ? lengthOrEncoding : 'utf8');
        pos = offsetOrPosition;
      } else {
        const view = toBytes(data);
        let offset: unknown = offsetOrPosition;
        let length: unknown = lengthOrEncoding;
        pos = position;
        if (typeof offsetOrPosition === 'object' && offsetOrPosition !== null) {
          offset = offsetOrPosition.offset ?? 0;
          length = offsetOrPosition.length;
          pos = offsetOrPosition.position;
        }
        const start = typeof offset === 'number' ? offset : 0;
        const len = typeof length === 'number' ? length : view.length - start;
        writeArgs(view.length, start, len);
        bytes = view.subarray(start, start + len);
      }
      const h = handleOf(fd, 'write');
      return withContext('write', undefined, undefined, () => engine.files.write(h, bytes, ioPosition(pos)));
    },

    fstatSync(fd: number): Stats {
      const h = handleOf(fd, 'fstat');
      return new Stats(engine.files.fstat(h));
    },

    ftruncateSync(fd: number, len: number = 0): void {
      const length = toLength(len);
      const h = handleOf(fd, 'ftruncate');
      withContext('ftruncate', undefined, undefined, () => engine.files.ftruncate(h, length));
    },

    readvSync(fd: number, buffers: readonly ArrayBufferView[], position?: number | null): number {
      let pos = ioPosition(position);
      let total = 0;
      for (const buffer of buffers) {
        const view = toBytes(buffer);
        const n = calls.readSync(fd, view, 0, view.length, pos);
        total += n;
        if (pos !== null) pos += n;
        if (n < view.length) break;
      }
      return total;
    },

    writevSync(fd: number, buffers: readonly ArrayBufferView[], position?: number | null): number {
      let pos = ioPosition(position);
      let total = 0;
      for (const buffer of buffers) {
        const view = toBytes(buffer);
        total += calls.writeSync(fd, view, 0, view.length, pos);
        if (pos !== null) pos += view.length;
      }
      return total;
    },

    fchmodSync(fd: number, mode: number | string): void {
      const m = parseMode(mode, 0);
      const h = handleOf(fd, 'fchmod');
      withContext('fchmod', undefined, undefined, () => engine.attrs.setMode(engine.files.attrTarget(h), m));
    },

    fchownSync(fd: number, uid: number, gid: number): void {
      const h = handleOf(fd, 'fchown');
      withContext('fchown', undefined, undefined, () => engine.attrs.setOwner(engine.files.attrTarget(h), uid, gid));
    },

    futimesSync(fd: number, atime: number | string | Date, mtime: number | string | Date): void {
      const a = toTimeMs(atime, 'atime', engine.options.clock);
      const m = toTimeMs(mtime, 'mtime', engine.options.clock);
      const h = handleOf(fd, 'futime');
      withContext('futime', undefined, undefined, () => engine.attrs.setTimes(engine.files.attrTarget(h), a, m));
    },

    /** A directory stream (Node's `fs.Dir`) over a directory fd of its own. */
    opendirSync(p: PathLike, _options?: { encoding?: string; bufferSize?: number }): Dir {
      const path = toPath(p);
      const h = withContext('opendir', path, undefined, () => engine.files.open(path, O_RDONLY | O_DIRECTORY, 0));
      if (h.kind !== 'dir') throw new FsError('ENOTDIR', 'opendir', path);
      return new Dir(path, () => engine.files.readdirOf(h));
    },

    fsyncSync(fd: number): void {
      handleOf(fd, 'fsync');
    },

    fdatasyncSync(fd: number): void {
      handleOf(fd, 'fdatasync');
    },
  };

  return { calls, openFd, release, readAll, write };
}
