import { readFileSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { editContainer, openView, type View } from '../../app/index.js';
import { DomainError } from '../../errors/index.js';
import type { Overlay } from '../../overlay/index.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/** One verb: its yargs syntax, help text, options and what it does. */
export interface CommandSpec {
  command: string;
  describe: string;
  builder?: (y: Argv) => Argv;
  examples?: readonly (readonly [string, string])[];
  run(ctx: Context): Promise<number | void>;
}

/**
 * A path inside a container or image, as given: it must be absolute. A relative one is a usage
 * error that names the absolute path, never guessed: `rm web etc/motd` once removed the
 * container `web` (test/e2e/cliGuard.test.ts, 'paths inside containers are absolute').
 */
export function insidePath(path: string): string {
  refuseReplacementCharacter(path);
  if (path.startsWith('/')) return path;
  const absolute = `/${path.replace(/^(\.\/)+/, '')}`;
  throw new UsageError(`${JSON.stringify(path)} is not an absolute path: paths inside a container or image start with / (did you mean ${absolute}?)`);
}

/**
 * Node decodes the command line as UTF-8 before any code runs, and turns bytes that are not
 * UTF-8 into U+FFFD: a path with it was (almost surely) not given as typed, and would name
 * another file. Refused (README, "The `overlay` command line").
 */
function refuseReplacementCharacter(path: string): void {
  if (path.includes('\uFFFD')) {
    throw new UsageError(`${JSON.stringify(path)} has the character U+FFFD: a path given on the command line must be valid UTF-8 (Node turns other bytes into U+FFFD)`);
  }
}

/** The kinds of host file an input can be, for messages. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A host file or directory named as the input of `import` or `load`: a regular file or a
 * directory (symbolic links followed), nothing else. A FIFO or a device would be read without
 * end (`import /dev/zero` never returned); a stream goes through stdin, `-`.
 */
export function hostInput(ctx: Context, given: string): { path: string; directory: boolean } {
  const path = resolve(ctx.io.cwd, given);
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) {
    refuseReplacementCharacter(given);
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${given}'`), { code: 'ENOENT', path: given });
  }
  if (st.isDirectory()) return { path, directory: true };
  if (st.isFile()) return { path, directory: false };
  throw new DomainError('InvalidArgumentError', `${given} is ${kindOf(st)}: give a tar file or a directory, or - to read a stream from stdin`, { path: given });
}

/** Runs `fn` on a mounted container and saves its writable layer when `fn` succeeds. */
export async function withContainer<T>(ctx: Context, ref: string, fn: (overlay: Overlay) => Promise<T> | T): Promise<T> {
  return ctx.withStore((store) => editContainer(store, ref, fn));
}

/** A container by name or ID, else an image by name or ID, mounted read-only. */
export async function withView<T>(ctx: Context, target: string, fn: (view: View) => Promise<T> | T): Promise<T> {
  return ctx.withStore(async (store) => fn(await openView(store, target, { clock: ctx.clock })));
}

/** Reads data given as an argument, from a host file (`--from`), or from stdin. */
export async function inputData(ctx: Context, inline: string | undefined): Promise<Uint8Array> {
  const from = ctx.optStr('from');
  if (inline !== undefined && from !== undefined) throw new DomainError('InvalidArgumentError', 'give the data either as an argument or with --from, not both');
  if (inline !== undefined) return new TextEncoder().encode(inline);
  if (from !== undefined && from !== '-') {
    const { path, directory } = hostInput(ctx, from);
    if (directory) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${from}'`), { code: 'EISDIR', path: from });
    return new Uint8Array(readFileSync(path));
  }
  if (ctx.io.stdinIsTTY) throw new UsageError('no data: give it as an argument, with --from FILE, or on stdin');
  return ctx.io.readStdin();
}

/** Stdin as an archive or tar, refusing a terminal (nothing would ever arrive). */
export async function stdinArchive(ctx: Context, what: string): Promise<Uint8Array> {
  if (ctx.io.stdinIsTTY) throw new UsageError(`no ${what}: give a file, or pipe one to stdin`);
  return ctx.io.readStdin();
}

/** `stdinArchive` as it arrives, never whole in memory when the process's stdin can stream. */
export function stdinArchiveChunks(ctx: Context, what: string): AsyncIterable<Uint8Array> {
  if (ctx.io.stdinIsTTY) throw new UsageError(`no ${what}: give a file, or pipe one to stdin`);
  const io = ctx.io;
  if (io.stdinChunks !== undefined) return io.stdinChunks();
  return (async function* () {
    yield await io.readStdin();
  })();
}
