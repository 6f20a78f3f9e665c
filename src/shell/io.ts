/**
 * Text, output sinks, paths and error wording shared by the interpreter and the commands.
 */
import type { OverlayFs } from '../overlay/index.js';
import type { CommandContext, ShellUser } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
}

export function toText(bytes: Uint8Array | string): string {
  return typeof bytes === 'string' ? bytes : decoder.decode(bytes);
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Where an open file descriptor's output goes. */
export interface Sink {
  write(chunk: Uint8Array | string): void;
  close(): void;
}

export class BufferSink implements Sink {
  readonly chunks: Uint8Array[] = [];
  write(chunk: Uint8Array | string): void {
    const bytes = toBytes(chunk);
    if (bytes.length > 0) this.chunks.push(bytes);
  }
  close(): void {}
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

export const nullSink: Sink = { write() {}, close() {} };

/** A file opened by a redirection; both fds of `>f 2>&1` share it, so writes interleave. */
export class FileSink implements Sink {
  readonly #fs: OverlayFs;
  readonly #fd: number;
  constructor(fs: OverlayFs, fd: number) {
    this.#fs = fs;
    this.#fd = fd;
  }
  write(chunk: Uint8Array | string): void {
    const bytes = toBytes(chunk);
    if (bytes.length > 0) this.#fs.writeSync(this.#fd, bytes);
  }
  close(): void {
    this.#fs.closeSync(this.#fd);
  }
}

/** The C library's strerror texts, which the real tools print (glibc string/_strerror.c). */
const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EBUSY: 'Device or resource busy',
  EMLINK: 'Too many links',
  EBADF: 'Bad file descriptor',
};

/** `No such file or directory` for an fs error, the message for anything else. */
export function reason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && STRERROR[code] !== undefined) return STRERROR[code];
  return err instanceof Error ? err.message : String(err);
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `path` made absolute against `cwd`, cleaned lexically (as the shell's logical `cd` does). */
export function absolute(cwd: string, path: string): string {
  const out: string[] = [];
  for (const part of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/**
 * `path` against `cwd` for an fs call, keeping `..` and a trailing slash for the fs to walk
 * (`..` after a symlink is the target's parent, which only the walk knows).
 */
export function resolve(cwd: string, path: string): string {
  if (path.startsWith('/')) return path;
  return cwd === '/' ? `/${path}` : `${cwd}/${path}`;
}

export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function dirName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '.' : '/';
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  return trimmed.slice(0, i).replace(/\/+$/, '') || '/';
}

/** Gives a just-created object to the running user, as the kernel does for new inodes. */
export function ownNew(fs: OverlayFs, path: string, user: ShellUser): void {
  const st = fs.lstatSync(path, { throwIfNoEntry: false });
  if (st !== undefined && (st.uid !== user.uid || st.gid !== user.gid)) fs.lchownSync(path, user.uid, user.gid);
}

/** `name: message\n` on the command's stderr; returns `status` for `return fail(...)`. */
export function fail(ctx: CommandContext, message: string, status = 1): number {
  ctx.stderr(`${ctx.name ?? 'sh'}: ${message}\n`);
  return status;
}

/** Splits leading `-abc` flags (until `--` or the first operand) from operands. */
export function parseFlags(args: readonly string[], known: string, withValue = ''): { flags: Set<string>; values: Map<string, string>; operands: string[]; bad?: string } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    for (let j = 1; j < arg.length; j++) {
      const f = arg[j]!;
      if (withValue.includes(f)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) return { flags, values, operands: [], bad: f };
        values.set(f, value);
        break;
      }
      if (!known.includes(f)) return { flags, values, operands: [], bad: f };
      flags.add(f);
    }
  }
  return { flags, values, operands: args.slice(i) };
}
