/**
 * What src/cli imports from `node:fs`, `node:path` and `node:os`, for the page (the bundler
 * maps those imports here: scripts/web-build.mjs). The page's host has no files of its own:
 * in it are the store, kept in memory and IndexedDB (./index.ts), and the read-only files the
 * page puts there (./stores.ts: the demo's OS tar, dropped archives, a lesson's build context),
 * so a command that names another host file gets ENOENT, or EACCES for a write, with the same
 * one-line message the CLI prints for a missing file.
 */
import { FsError } from '../../errors/index.js';
import { basename as baseName, cleanPath, dirname as dirName } from '../../path/index.js';
import { hostDirectory, hostFile, isStoreDir } from './stores.js';

/** The page's working directory: where relative host paths are taken from. */
export const CWD = '/home/learner';

export function resolve(...parts: string[]): string {
  let path = '';
  for (const part of parts) path = part.startsWith('/') ? part : `${path}/${part}`;
  return cleanPath(path.startsWith('/') ? path : `${CWD}/${path}`);
}
export const join = (...parts: string[]): string => cleanPath(parts.join('/'));
export const dirname = (path: string): string => dirName(path);
export const basename = (path: string): string => baseName(path);

/** A browser's budget for one layer, as half of "memory" (context.ts maxLayerBytes). */
export const totalmem = (): number => 2 * 1024 ** 3;
export const tmpdir = (): string => '/tmp';
export const homedir = (): string => CWD;

const missing = (syscall: string, path: string): FsError => new FsError('ENOENT', syscall, path);
const readOnly = (syscall: string, path: string): FsError => new FsError('EACCES', syscall, path);

export const existsSync = (path: string): boolean => isStoreDir(path) || hostFile(path) !== undefined || hostDirectory(path) !== undefined;

/** What commands ask of a host file's `Stats` (a build context's too): a file of this size, or a directory; root's, 0644 and 0755. */
function fileStats(bytes: Uint8Array | undefined): object {
  const no = (): boolean => false;
  const file = bytes !== undefined;
  return { size: bytes?.length ?? 4096, mode: file ? 0o100644 : 0o40755, uid: 0, gid: 0, isFile: () => file, isDirectory: () => !file, isFIFO: no, isCharacterDevice: no, isBlockDevice: no, isSocket: no, isSymbolicLink: no };
}

export function statSync(path: string, options?: { throwIfNoEntry?: boolean }): object | undefined {
  const bytes = hostFile(path);
  if (bytes !== undefined || hostDirectory(path) !== undefined) return fileStats(bytes);
  if (options?.throwIfNoEntry === false) return undefined;
  throw missing('stat', path);
}
export function lstatSync(path: string, options?: { throwIfNoEntry?: boolean }): object | undefined {
  return statSync(path, options);
}
/** The directories that hold host files (a lesson's build context). */
export function readdirSync(path: string): string[] {
  const names = hostDirectory(path);
  if (names === undefined) throw missing('scandir', path);
  return names;
}
export function readlinkSync(path: string): never {
  throw new FsError('EINVAL', 'readlink', path);
}
export function readFileSync(path: string, encoding?: string): Uint8Array | string {
  const bytes = hostFile(path);
  if (bytes === undefined) throw missing('open', path);
  return encoding === undefined ? bytes : new TextDecoder().decode(bytes);
}
export function createReadStream(path: string): AsyncIterable<Uint8Array> {
  const bytes = readFileSync(path) as Uint8Array;
  return (async function* () {
    for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, at + (1 << 20));
  })();
}
const refuse =
  (syscall: string) =>
  (path: string): never => {
    throw readOnly(syscall, path);
  };
export const writeFileSync = refuse('open');
export const mkdirSync = refuse('mkdir');
export const mkdtempSync = refuse('mkdtemp');
export const rmSync = refuse('rm');
export const chmodSync = refuse('chmod');
export const symlinkSync = refuse('symlink');
export const utimesSync = refuse('utime');
export const renameSync = refuse('rename');

/** `overlay web` serves the page; inside the page there is nothing to serve it from. */
export function createServer(): never {
  throw new FsError('ENOSYS', 'listen');
}
export function spawn(): never {
  throw new FsError('ENOSYS', 'spawn');
}
export const fileURLToPath = (url: string | URL): string => new URL(url).pathname;
export const sep = '/';
export const extname = (path: string): string => (/\.[^./]*$/.exec(path) ?? [''])[0];
/** node:zlib's zstd (Node 22.15+): none in a browser, so the registry client uses fzstd (src/cli/registryAccess.ts). */
export const createZstdDecompress = undefined;
