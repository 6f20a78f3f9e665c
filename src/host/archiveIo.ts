/**
 * Image archives on disk: reading a tar (plain or gzip) or a directory as a `FileSource`, and
 * writing the files of an archive as a deterministic tar (USTAR, sorted as given, owner 0,
 * mtime 0), as `docker save` and `skopeo copy … oci-archive:` produce them.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { extract } from 'tar-stream';
import { DomainError } from '../errors/index.js';
import type { ArchiveFile, FileSource } from '../image/index.js';
import { uncompressedInChunks } from './compress.js';

/** A source with a known list of files. */
export interface ListedSource extends FileSource {
  describe: string;
  has(path: string): boolean;
}

function cleanName(raw: string): string | undefined {
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}

/** Bytes the tar reader gets per turn of the event loop (so Ctrl-C is handled while it reads). */
const READ_CHUNK = 4 << 20;

async function* inTurns(bytes: Uint8Array): AsyncGenerator<Buffer> {
  for (let pos = 0; pos < bytes.length; pos += READ_CHUNK) {
    yield Buffer.from(bytes.buffer, bytes.byteOffset + pos, Math.min(READ_CHUNK, bytes.length - pos));
    await nextTurn();
  }
}

/** The regular files of a tar archive (gzip-compressed or not), by clean relative name. */
export async function readTarFiles(bytes: Uint8Array, what: string): Promise<Map<string, Uint8Array>> {
  const tar = await uncompressedInChunks(bytes, what);
  const files = new Map<string, Uint8Array>();
  const ex = extract();
  const feed = Readable.from(inTurns(tar));
  const done = (async () => {
    for await (const entry of ex) {
      // Each chunk is copied into place as it comes: one Buffer.concat of a layer of hundreds
      // of MB at the end would hold off Ctrl-C for a second or more.
      const data = new Uint8Array(entry.header.size ?? 0);
      let filled = 0;
      for await (const chunk of entry) {
        const bytes = chunk as Buffer;
        if (filled + bytes.length <= data.length) data.set(bytes, filled);
        filled += bytes.length;
      }
      const name = cleanName(entry.header.name);
      if (name === undefined) throw new DomainError('UnsafeTarEntryError', `${what}: entry name climbs out of the archive: ${entry.header.name}`, { path: entry.header.name });
      if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
        if (filled !== data.length) throw new DomainError('ImageFormatError', `${what}: ${entry.header.name} is cut short`, { what });
        files.set(name, data);
      }
    }
  })();
  feed.pipe(ex);
  try {
    await done;
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('ImageFormatError', `${what} is not a valid tar archive (${(error as Error).message})`, { what });
  }
  return files;
}

export function mapSource(files: Map<string, Uint8Array>, describe: string): ListedSource {
  return {
    describe,
    has: (path) => files.has(path),
    read: async (path) => files.get(path),
  };
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
      return full === undefined ? undefined : new Uint8Array(readFileSync(full));
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

/** The tar of `files` in the given order, with the directories they need before them. */
export function* tarOfFiles(files: readonly ArchiveFile[]): Iterable<Uint8Array> {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/') + '/';
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      yield header(dir, 0, '5', 0o755);
    }
    yield header(file.path, file.bytes.length, '0', 0o644);
    if (file.bytes.length > 0) yield file.bytes;
    const pad = (BLOCK - (file.bytes.length % BLOCK)) % BLOCK;
    if (pad > 0) yield new Uint8Array(pad);
  }
  yield new Uint8Array(2 * BLOCK);
}
