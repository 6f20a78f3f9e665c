/**
 * Image archives on disk: reading a tar (plain or gzip, from a file or stdin) or a directory as
 * a `FileSource` whose files are read by positioned reads, never the whole archive in memory,
 * and writing the files of an archive as a deterministic tar (USTAR, sorted as given, owner 0,
 * mtime 0), as `docker save` and `skopeo copy … oci-archive:` produce them.
 */
import { existsSync, openSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DomainError } from '../errors/index.js';
import { isGzip, isZstd, type ArchiveFile, type FileSource } from '../image/index.js';
import type { PositionedReader } from '../layer/index.js';
import { uncompressedChunks } from '../store/index.js';
import { fileChunks, readAt, readInto, spool, temporaryPath } from './chunkedFiles.js';
import { nodeCompression } from './compress.js';
import { nodeFsPromises } from './lazyModules.js';
import { cleanName, scanTar, type TarMember } from './tarScan.js';

/** A source with a known list of files. */
export interface ListedSource extends FileSource {
  describe: string;
  has(path: string): boolean;
}

/** An archive being read; `close` removes the temporary copy it may have made. */
export interface ArchiveSource extends ListedSource {
  close(): void;
}

function missing(path: string): DomainError {
  return new DomainError('ImageFormatError', `${path} is missing`, { path });
}

/**
 * Positioned reads of one member of a tar file, clipped to it. A class, not closures: the
 * optimised header walk calls every layer's reader at one call site (indexTar.ts).
 */
class MemberReader implements PositionedReader {
  constructor(
    private readonly fd: number,
    private readonly offset: number,
    private readonly size: number,
  ) {}

  #clip(position: number, length: number): number {
    return Math.max(0, Math.min(length, this.size - position));
  }

  read(position: number, length: number): Uint8Array {
    return readAt(this.fd, this.offset + position, this.#clip(position, length));
  }

  readInto(buffer: Uint8Array, position: number): number {
    return readInto(this.fd, buffer.subarray(0, this.#clip(position, buffer.length)), this.offset + position);
  }
}

/** The tar file at `path` as a source: its member headers are read now, file data on demand. */
async function tarFileSource(path: string, what: string, describe: string, close: () => void): Promise<ArchiveSource> {
  let members: Map<string, TarMember>;
  const file = await nodeFsPromises().open(path, 'r');
  try {
    members = await scanTar(file, (await file.stat()).size, what);
  } finally {
    await file.close();
  }
  const chunks = (name: string): AsyncIterable<Uint8Array> => {
    const member = members.get(name);
    if (member === undefined) throw missing(name);
    return fileChunks(path, member.offset, member.size, `${what}: ${name}`);
  };
  // Opened on first use and kept open: layers read by positioned reads (`Layer.fromIndexedTar`)
  // read their files' data from it after the source is closed (and a spooled copy removed).
  let fd: number | undefined;
  return {
    describe,
    close,
    has: (name) => members.has(name),
    positioned: (name) => {
      const member = members.get(name);
      if (member === undefined) return undefined;
      fd ??= openSync(path, 'r');
      return { size: member.size, reader: new MemberReader(fd, member.offset, member.size) };
    },
    size: async (name) => members.get(name)?.size,
    chunks,
    read: async (name) => {
      const member = members.get(name);
      if (member === undefined) return undefined;
      const bytes = new Uint8Array(member.size);
      let pos = 0;
      for await (const chunk of chunks(name)) {
        bytes.set(chunk, pos);
        pos += chunk.length;
      }
      return bytes;
    },
  };
}

/**
 * A gzip-compressed tar (`docker save | gzip`) is decompressed as a stream into a temporary
 * file in `tmpDir` (named for this process: WriteJournal.undo removes it on Ctrl-C), which is
 * then read like a plain tar; `close` removes it.
 */
async function spooledSource(chunks: AsyncIterable<Uint8Array>, what: string, tmpDir: string): Promise<ArchiveSource> {
  const temp = await temporaryPath(tmpDir, 'load');
  try {
    await spool(uncompressedChunks(nodeCompression, chunks, what), temp.path);
    return await tarFileSource(temp.path, what, what, temp.remove);
  } catch (error) {
    temp.remove();
    throw error;
  }
}

/**
 * An archive file read where it lies: a plain tar. Undefined for a gzip one, which
 * `openArchiveFile` first decompresses into a temporary file. `what` names it in errors.
 */
export async function openArchiveFileInPlace(path: string, what: string): Promise<ArchiveSource | undefined> {
  const file = await nodeFsPromises().open(path, 'r');
  const magic = new Uint8Array(4);
  try {
    await file.read(magic, 0, 4, 0);
  } finally {
    await file.close();
  }
  if (isZstd(magic)) throw new DomainError('ImageFormatError', `${what} is zstd-compressed, which is not supported`, { what });
  if (isGzip(magic)) return undefined;
  return tarFileSource(path, what, what, () => undefined);
}

/** An archive file (a tar, plain or gzip) as a source; `what` names it in errors. */
export async function openArchiveFile(path: string, what: string, tmpDir: string): Promise<ArchiveSource> {
  return (await openArchiveFileInPlace(path, what)) ?? spooledSource(fileChunks(path, 0, (await nodeFsPromises().stat(path)).size, what), what, tmpDir);
}

/** An archive arriving as a stream (stdin): kept in a temporary file while it is read. */
export async function openArchiveStream(chunks: AsyncIterable<Uint8Array>, what: string, tmpDir: string): Promise<ArchiveSource> {
  return spooledSource(chunks, what, tmpDir);
}

/** A directory (e.g. an OCI image layout made by umoci) as a source; paths stay inside it. */
export function dirSource(dir: string): ListedSource {
  const root = realpathSync(dir);
  const resolve = (path: string): string | undefined => {
    const name = cleanName(path);
    if (name === undefined) return undefined;
    const full = join(root, name);
    if (!existsSync(full)) return undefined;
    const real = realpathSync(full);
    const rel = relative(root, real);
    if (rel.startsWith('..') || rel.startsWith(sep)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  };
  return {
    describe: dir,
    has: (path) => resolve(path) !== undefined,
    read: async (path) => {
      const full = resolve(path);
      return full === undefined ? undefined : new Uint8Array(await nodeFsPromises().readFile(full));
    },
    size: async (path) => {
      const full = resolve(path);
      return full === undefined ? undefined : statSync(full).size;
    },
    chunks: (path) => {
      const full = resolve(path);
      if (full === undefined) throw missing(path);
      return fileChunks(full, 0, statSync(full).size, path);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, typeflag: '0' | '5', mode: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  let path = name;
  let prefix = '';
  if (encoder.encode(path).length > 100) {
    const cut = path.lastIndexOf('/', path.length - 2);
    prefix = path.slice(0, cut);
    path = path.slice(cut + 1);
    if (cut < 0 || encoder.encode(path).length > 100 || encoder.encode(prefix).length > 155) {
      throw new DomainError('InvalidArgumentError', `archive member name too long: ${name}`, { path: name });
    }
  }
  const put = (text: string, offset: number): void => void block.set(encoder.encode(text), offset);
  put(path, 0);
  put(octal(mode, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(0, 12), 136);
  put('        ', 148);
  put(typeflag, 156);
  put('ustar\0', 257);
  put('00', 263);
  put(prefix, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(octal(sum, 7) + ' ', 148);
  return block;
}

/**
 * The tar of `files` in the given order, with the directories they need before them; each
 * file's bytes are read as they are written.
 */
export async function* tarOfFiles(files: readonly ArchiveFile[]): AsyncGenerator<Uint8Array> {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/') + '/';
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      yield header(dir, 0, '5', 0o755);
    }
    yield header(file.path, file.size, '0', 0o644);
    // ArchiveFile.chunks checks that the bytes are `size` long, as the header says.
    yield* file.chunks();
    const pad = (BLOCK - (file.size % BLOCK)) % BLOCK;
    if (pad > 0) yield new Uint8Array(pad);
  }
  yield new Uint8Array(2 * BLOCK);
}
