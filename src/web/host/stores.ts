/**
 * The page's host, as the CLI's commands see it through ./node.ts and ./index.ts: its stores
 * by directory (in memory, saved to IndexedDB by the page) and a few read-only files (the
 * demo's OS tar, archives dropped on the page, a lesson's build context), in memory, and the
 * directories that hold them. Nothing else exists.
 */
import { memoryBackend, type StoreBackend } from '../../store/index.js';

const backends = new Map<string, StoreBackend>();
/** A file's bytes, or how to make them (made on first read: the demo's OS tar costs nothing until imported). */
const files = new Map<string, Uint8Array | (() => Uint8Array)>();

export function registerStore(dir: string, backend: StoreBackend): void {
  backends.set(dir, backend);
}

export function isStoreDir(dir: string): boolean {
  return backends.has(dir);
}

/** The store at `dir`; a new one in memory when none is there (as a new store on disk). */
export function backendAt(dir: string): StoreBackend {
  let backend = backends.get(dir);
  if (backend === undefined) backends.set(dir, (backend = memoryBackend()));
  return backend;
}

/** Puts a read-only file on the page's host (an absolute path). */
export function putHostFile(path: string, bytes: Uint8Array | (() => Uint8Array)): void {
  files.set(path, bytes);
}

/** Forgets the host files under `dir` (a lesson's context, written again when it restarts). */
export function removeHostFiles(dir: string): void {
  for (const path of [...files.keys()]) if (path.startsWith(`${dir}/`)) files.delete(path);
}

/** The names in a host directory (one that holds a host file, at any depth); undefined if none. */
export function hostDirectory(dir: string): string[] | undefined {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const names = new Set<string>();
  for (const path of files.keys()) if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0]!);
  return names.size === 0 ? undefined : [...names].sort();
}

export function hostFile(path: string): Uint8Array | undefined {
  const file = files.get(path);
  if (typeof file !== 'function') return file;
  const bytes = file();
  files.set(path, bytes);
  return bytes;
}
