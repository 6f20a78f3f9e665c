import { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../engine/index.js';

/** Node's string open flags (lib/internal/fs/utils.js stringToFlags); `s` (sync) is a no-op here. */
const FLAGS: Record<string, number> = {
  r: O_RDONLY,
  rs: O_RDONLY,
  sr: O_RDONLY,
  'r+': O_RDWR,
  'rs+': O_RDWR,
  'sr+': O_RDWR,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY,
  sa: O_APPEND | O_CREAT | O_WRONLY,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR,
  'sa+': O_APPEND | O_CREAT | O_RDWR,
};

function invalidArg(name: string, value: unknown, code = 'ERR_INVALID_ARG_VALUE'): TypeError {
  const err = new TypeError(`The argument '${name}' is invalid. Received ${String(value)}`);
  (err as TypeError & { code: string }).code = code;
  return err;
}

export function parseFlags(flags: string | number | undefined, fallback: string): number {
  if (flags === undefined || flags === null) return FLAGS[fallback]!;
  if (typeof flags === 'number') return flags;
  const value = FLAGS[flags];
  if (value === undefined) throw invalidArg('flags', flags);
  return value;
}

export function parseMode(mode: string | number | undefined, fallback: number): number {
  if (mode === undefined || mode === null) return fallback;
  if (typeof mode === 'number') return mode;
  if (/^[0-7]+$/.test(mode)) return parseInt(mode, 8);
  throw invalidArg('mode', mode);
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

type NodeBufferLike = Uint8Array & { toString(encoding?: string): string };
type BufferCtor = {
  from(data: string | Uint8Array, encoding?: string): NodeBufferLike;
  from(arrayBuffer: ArrayBufferLike, byteOffset?: number, length?: number): NodeBufferLike;
  allocUnsafe(size: number): NodeBufferLike;
};
/** Node's Buffer when the runtime has it (results then are Buffers, as from Node's fs). */
const NodeBuffer = (globalThis as { Buffer?: BufferCtor }).Buffer;

export type PathLike = string | Uint8Array | URL;

/** A path argument as a string; relative paths are taken from the overlay root. */
export function toPath(path: PathLike, name = 'path'): string {
  if (typeof path === 'string') {
    if (path.includes('\0')) throw invalidArg(name, path);
    return path;
  }
  if (path instanceof Uint8Array) return textDecoder.decode(path);
  if (path instanceof URL) {
    if (path.protocol !== 'file:') throw invalidArg(name, path, 'ERR_INVALID_URL_SCHEME');
    return decodeURIComponent(path.pathname);
  }
  throw invalidArg(name, path, 'ERR_INVALID_ARG_TYPE');
}

export type Encoding = string | null | undefined;

export function encodingOf(options: unknown): Encoding {
  if (typeof options === 'string') return options;
  if (options !== null && typeof options === 'object' && 'encoding' in options) return (options as { encoding?: Encoding }).encoding;
  return undefined;
}

/** Bytes of a data argument (string in `encoding`, or any ArrayBufferView). */
export function toBytes(data: string | ArrayBufferView, encoding: Encoding = 'utf8'): Uint8Array {
  if (typeof data === 'string') {
    if (NodeBuffer !== undefined) return NodeBuffer.from(data, encoding ?? 'utf8');
    return textEncoder.encode(data);
  }
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArg('data', data, 'ERR_INVALID_ARG_TYPE');
}

/** Bytes as Node returns them: a Buffer (or Uint8Array off Node), or a string in `encoding`. */
export function fromBytes(bytes: Uint8Array, encoding: Encoding): Uint8Array | string {
  if (encoding !== undefined && encoding !== null && encoding !== 'buffer') {
    if (NodeBuffer !== undefined) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);
    return textDecoder.decode(bytes);
  }
  if (NodeBuffer !== undefined) {
    // A copy: the caller may mutate what it gets, and layer bytes are shared.
    const out = NodeBuffer.allocUnsafe(bytes.length);
    out.set(bytes);
    return out;
  }
  return bytes.slice();
}

/**
 * Node's time arguments in milliseconds, as Node's toUnixTimestamp reads them
 * (lib/internal/fs/utils.js): a Date; a numeric string, taken as it is (even negative); a
 * finite number of seconds, where a negative one means "now" (`now()`, the overlay's clock).
 */
export function toTimeMs(time: number | string | Date, name: string, now: () => number): number {
  if (typeof time === 'string' && !Number.isNaN(Number(time))) return Number(time) * 1000;
  if (typeof time === 'number' && Number.isFinite(time)) return time < 0 ? now() : time * 1000;
  if (time instanceof Date) return time.getTime();
  throw invalidArg(name, time, 'ERR_INVALID_ARG_TYPE');
}

function outOfRange(name: string, value: unknown): RangeError {
  const err = new RangeError(`The value of "${name}" is out of range. It must be an integer. Received ${String(value)}`);
  (err as RangeError & { code: string }).code = 'ERR_OUT_OF_RANGE';
  return err;
}

/**
 * `readSync`'s arguments checked as Node 20 checks them (lib/fs.js readSync), before any fd is
 * looked at: the length is cut to an integer (`length |= 0`), zero reads nothing, then the
 * buffer must not be empty, offset and length must fit it, and the position must be an integer
 * of at least -1 (-1 and null: the fd's position). Returns the length, or 0 for "read nothing".
 */
export function readArgs(bufferLength: number, offset: number, length: number, position: unknown): number {
  if (!Number.isInteger(offset) || offset < 0) throw outOfRange('offset', offset);
  const len = length | 0;
  if (len === 0) return 0;
  if (bufferLength === 0) throw invalidArg('buffer', '<empty>', 'ERR_INVALID_ARG_VALUE');
  if (offset > bufferLength) throw outOfRange('offset', offset);
  if (len < 0 || offset + len > bufferLength) throw outOfRange('length', length);
  if (position !== null && position !== undefined && (typeof position !== 'number' || !Number.isInteger(position) || position < -1)) throw outOfRange('position', position);
  return len;
}

/** Node's kIoMaxLength: readFileSync refuses a regular file larger than this before reading it. */
const IO_MAX_LENGTH = 2 ** 31 - 1;

/** readFileSync's size check (lib/fs.js tryCreateBuffer): ERR_FS_FILE_TOO_LARGE, a RangeError. */
export function checkReadFileSize(size: number): void {
  if (size <= IO_MAX_LENGTH) return;
  const err = new RangeError(`File size (${size}) is greater than 2 GiB`);
  (err as RangeError & { code: string }).code = 'ERR_FS_FILE_TOO_LARGE';
  throw err;
}

/** The buffer form of writeSync: Node's validateOffsetLengthWrite, in its order. */
export function writeArgs(bufferLength: number, offset: number, length: number): void {
  if (offset > bufferLength) throw outOfRange('offset', offset);
  if (length > bufferLength - offset || length < 0 || !Number.isInteger(length) || length > 0x7fffffff) throw outOfRange('length', length);
  // A negative or fractional offset reaches no check in Node's JavaScript; its binding aborts
  // the process on one. A typed error is the kinder answer.
  if (offset < 0 || !Number.isInteger(offset)) throw outOfRange('offset', offset);
}

/**
 * Where writeSync, writevSync and readvSync put their bytes: Node passes only a safe integer
 * through (node_file.cc GetOffset), anything else as -1, and libuv reads any offset < 0 as
 * "at the fd's offset": so -2, 1.5, NaN, 2**53 and '2' all mean null.
 */
export function ioPosition(position: unknown): number | null {
  return typeof position === 'number' && Number.isSafeInteger(position) && position >= 0 ? position : null;
}

/** A length for truncate and ftruncate: an integer, and a negative one is 0 (Node 20's ftruncate). */
export function toLength(len: unknown): number {
  if (typeof len !== 'number') throw invalidArg('len', len, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isSafeInteger(len)) throw outOfRange('len', len);
  return Math.max(0, len);
}
