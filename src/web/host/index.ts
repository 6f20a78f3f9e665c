/**
 * The page's host edge: what src/cli imports from src/host (the Node edge), for a browser. The
 * bundler puts it in place of src/host/index.ts for src/cli (scripts/web-build.mjs), so the
 * page's terminal runs the CLI's own commands. The store is the core `Store` over a backend the
 * page registered (./stores.ts); there are no host files, locks or processes to wait for.
 * test/unit/web/hostEdge.test.ts checks these names against src/host's own.
 */
import { DomainError } from '../../errors/index.js';
import type { Platform } from '../../image/index.js';
import { memorySource } from '../../image/index.js';
import { gatherBytes, type TarLimits } from '../../layer/index.js';
import { Store, uncompressedChunks, webCompression } from '../../store/index.js';
import { pageCompression } from './gzip.js';
import { scanTar } from '../../host/tarScan.js';
import { backendAt, hostFile } from './stores.js';

export { createProgress, formatBytes } from '../../host/progress.js';
export type { Progress } from '../../host/progress.js';

export interface StoreOptions {
  clock?: () => number;
  lockTimeoutMs?: number;
  command?: string;
  onLockWait?: (owner: { pid: number; command?: string } | undefined) => void;
  platform?: Platform;
  layerLimits?: Partial<TarLimits>;
}

/** Named as the disk store the CLI opens: here it is the store the page registered for `dir`. */
export class DiskStore extends Store {
  readonly dir: string;
  readonly tmpDir: string;

  private constructor(dir: string, backend: ReturnType<typeof backendAt>, images: Awaited<ReturnType<typeof Store.openImages>>, options: StoreOptions) {
    super(backend, images, options);
    this.dir = dir;
    this.tmpDir = `${dir}/tmp`;
  }

  static async open(dir: string, options: StoreOptions = {}): Promise<DiskStore> {
    const backend = backendAt(dir);
    const core = { compression: pageCompression, ...(options.platform === undefined ? {} : { platform: options.platform }), ...(options.clock === undefined ? {} : { clock: options.clock }), ...(options.layerLimits === undefined ? {} : { layerLimits: options.layerLimits }) };
    return new DiskStore(dir, backend, await Store.openImages(backend, core), core);
  }

  /** Nothing to release: one page, one command at a time. */
  close(): void {}

  abandon(): void {}
}

/** A source with a known list of files (src/host/archiveIo.ts `ListedSource`). */
export interface ListedSource {
  describe: string;
  has(path: string): boolean;
  read(path: string): Promise<Uint8Array | undefined>;
  size(path: string): Promise<number | undefined>;
  chunks(path: string): AsyncIterable<Uint8Array>;
}

/**
 * An archive arriving as a stream (stdin: a file dropped on the page), held in memory,
 * uncompressed (gzip through DecompressionStream), its members found by the CLI's own tar
 * scanner (src/host/tarScan.ts), so a truncated tar gets the same message.
 */
export async function openArchiveStream(chunks: AsyncIterable<Uint8Array>, what: string, _tmpDir: string): Promise<ListedSource & { close(): void }> {
  const tar = await gatherBytes(uncompressedChunks(webCompression, chunks, what));
  const file = {
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const part = tar.subarray(position, Math.min(position + length, tar.length));
      buffer.set(part, offset);
      return { bytesRead: part.length, buffer };
    },
  };
  const members = await scanTar(file as unknown as Parameters<typeof scanTar>[0], tar.length, what);
  const files = new Map<string, Uint8Array>();
  for (const [name, member] of members) files.set(name, tar.subarray(member.offset, member.offset + member.size));
  return { ...memorySource(files), describe: what, has: (name) => files.has(name), close: () => undefined };
}

const noHostFiles = (what: string): DomainError => new DomainError('InvalidArgumentError', `${what}: the page has no host files; drop an archive on the page (or pipe it: load reads stdin)`, { what });

/** A file on the page's host (./stores.ts) as an archive, as the CLI opens one on disk. */
export async function openArchiveFile(path: string, what: string, tmpDir: string): Promise<ListedSource & { close(): void }> {
  const bytes = hostFile(path);
  if (bytes === undefined) throw noHostFiles(what);
  return openArchiveStream((async function* () { yield bytes; })(), what, tmpDir);
}
/** The page has no zlib: a pull decodes zstd with the registry client's pure-JS decoder. */
export function nativeUnzstd(): undefined {
  return undefined;
}
/** The page reads every archive through its store, as `openArchiveFile` (the CLI reads a plain tar in place). */
export async function openArchiveFileInPlace(): Promise<undefined> {
  return undefined;
}
export function dirSource(dir: string): ListedSource {
  throw noHostFiles(dir);
}
export function layerFromDirectory(dir: string): never {
  throw noHostFiles(dir);
}
export function tarOfFiles(): never {
  throw noHostFiles('save');
}
export async function writeChunksAtomic(path: string): Promise<number> {
  throw noHostFiles(path);
}
