/**
 * The layer-tar header index: the entries of an uncompressed layer tar read from its member
 * headers alone, by positioned reads, its files' data left where it is (`RangeContent` of the
 * tar, read only when someone reads the file). `overlay analyze` of an archive needs paths,
 * kinds, attributes and sizes, and file bytes only to tell two copies of equal size apart, so
 * this reads about what `tar -t` reads instead of every byte.
 *
 * It takes the plain, common subset only: POSIX ustar or GNU headers with octal fields, PAX `x`
 * and GNU `L` and `K` extensions, regular files, directories, symlinks and hard links, ended by the
 * end-of-archive marker and zeros. Anything else (gzip, a bad checksum, a device, a PAX global
 * header, sparse members, base-256 numbers, header names that are not valid UTF-8, the old "name ends in /"
 * directories, a cut tar, data after the end, limits crossed) gives `undefined`, and the caller
 * reads the tar with the streaming reader (readTar.ts), whose answer or error is the reference:
 * for the subset both give the same entries (test/unit/layer/indexTar.test.ts).
 */
import type { Header } from 'tar-stream';
import { RangeContent, type PositionedReader } from '../Content.js';
import { EntryCollector, type TarEntry } from './EntryCollector.js';
import { parsePax, TRAILING_CHECKED, type TarLimits } from './framing.js';

const BLOCK = 512;
/**
 * Bytes per positioned read: the headers of small files and the data between them come in one
 * read. With `readInto`, one buffer of this size is reused for every read: reading the data
 * between headers costs a copy from the page cache, far less than a read per header.
 */
const WINDOW = 1 << 20;
/** Largest PAX or GNU long-name data taken (framing.ts MAX_EXTENSION). */
const MAX_EXTENSION = 4 << 20;
const NO_BYTES = new Uint8Array(0);
const strict = new TextDecoder('utf-8', { fatal: true });

/** Not in the subset: the streaming reader decides. */
class NotIndexable extends Error {}

/** Reads of `reader` through one window, so that neighbouring headers cost one read. */
class Window {
  #start = 0;
  #bytes: Uint8Array = NO_BYTES;
  readonly #buffer: Uint8Array | undefined;
  constructor(
    private readonly reader: PositionedReader,
    private readonly size: number,
  ) {
    if (reader.readInto !== undefined) this.#buffer = new Uint8Array(Math.min(WINDOW, size));
  }

  /** `length` bytes at `position`, all of them or `NotIndexable`. */
  at(position: number, length: number): Uint8Array {
    if (position + length > this.size) throw new NotIndexable();
    const from = position - this.#start;
    if (from >= 0 && from + length <= this.#bytes.length) return this.#bytes.subarray(from, from + length);
    if (length > WINDOW) {
      const bytes = this.reader.read(position, length);
      if (bytes.length !== length) throw new NotIndexable();
      return bytes;
    }
    // Views handed out before are overwritten here: callers use each view before the next call.
    const want = Math.min(WINDOW, this.size - position);
    this.#bytes = this.#buffer === undefined ? this.reader.read(position, want) : this.#buffer.subarray(0, this.reader.readInto!(this.#buffer.subarray(0, want), position));
    this.#start = position;
    if (this.#bytes.length < length) throw new NotIndexable();
    return this.#bytes.subarray(0, length);
  }
}

function sum(block: Uint8Array): number {
  let total = 8 * 0x20;
  for (let i = 0; i < 148; i++) total += block[i]!;
  for (let i = 156; i < BLOCK; i++) total += block[i]!;
  return total;
}

/** An octal field as tar-stream reads it (headers.js decodeOct); base-256 is left to it. */
function octal(block: Uint8Array, at: number, length: number): number {
  if ((block[at]! & 0x80) !== 0) throw new NotIndexable();
  const end = at + length;
  let i = at;
  while (i < end && block[i] === 0x20) i++;
  let stop = i;
  while (stop < end && block[stop] !== 0x20) stop++;
  while (i < stop && block[i] === 0) i++;
  if (i === stop) return 0;
  let value = 0;
  let digits = 0;
  for (; i < stop; i++) {
    const c = block[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  if (digits === 0) throw new NotIndexable();
  return value;
}

/**
 * A NUL-ended field as tar-stream reads it (headers.js decodeStr). UTF-8 that is not valid is
 * left to the streaming reader, whose decoder's replacement characters are its own.
 */
function field(block: Uint8Array, at: number, length: number): string {
  let end = at;
  const limit = at + length;
  let ascii = true;
  for (; end < limit && block[end] !== 0; end++) if (block[end]! >= 0x80) ascii = false;
  return ascii ? String.fromCharCode.apply(null, block.subarray(at, end) as unknown as number[]) : utf8(block.subarray(at, end));
}

function utf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new NotIndexable();
  }
}

const TYPES: Record<number, Header['type']> = { 0: 'file', 0x30: 'file', 0x31: 'link', 0x32: 'symlink', 0x35: 'directory', 0x37: 'contiguous-file' };

/**
 * The entries of the uncompressed layer tar of `size` bytes that `reader` reads, as
 * `readLayerTar` gives them, or `undefined` when the tar is outside the subset this reads (see
 * the module comment). Regular files' data are `RangeContent`s of `reader`.
 */
export function indexLayerTar(reader: PositionedReader, size: number, limits: TarLimits): TarEntry[] | undefined {
  try {
    return scan(new Window(reader, size), reader, size, limits);
  } catch {
    // NotIndexable, or an entry check of EntryCollector failing: the streaming reader gives
    // the error, with the same message (or its own, when it frames the tar more strictly).
    return undefined;
  }
}

function scan(window: Window, reader: PositionedReader, size: number, limits: TarLimits): TarEntry[] {
  const collector = new EntryCollector();
  let pos = 0;
  let pax: Record<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let members = 0;
  let dataBytes = 0;
  for (;;) {
    const block = window.at(pos, BLOCK);
    const checksum = sum(block);
    if (checksum === 8 * 0x20) {
      // The end-of-archive marker: two null blocks, then nothing but zeros (framing.ts).
      if (pax !== undefined || longName !== undefined || longLink !== undefined) throw new NotIndexable();
      if (sum(window.at(pos + BLOCK, BLOCK)) !== 8 * 0x20) throw new NotIndexable();
      const end = pos + 2 * BLOCK;
      const trailer = Math.min(size - end, TRAILING_CHECKED);
      for (let at = end; at < end + trailer; at += WINDOW) {
        const bytes = window.at(at, Math.min(WINDOW, end + trailer - at));
        for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) throw new NotIndexable();
      }
      // Null blocks must be wholly zero here (framing and tar-stream take any block whose sum is that of zeros).
      for (const b of [block, window.at(pos + BLOCK, BLOCK)]) for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) throw new NotIndexable();
      return collector.finish();
    }
    if (checksum !== octal(block, 148, 8)) throw new NotIndexable();
    const ustar = block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72;
    const posix = ustar && block[262] === 0 && block[263] === 0x30 && block[264] === 0x30;
    const gnu = ustar && block[262] === 0x20 && block[263] === 0x20 && block[264] === 0;
    if (!posix && !gnu) throw new NotIndexable();
    const typeflag = block[156]!;
    const declared = octal(block, 124, 12);
    const dataAt = pos + BLOCK;
    const next = dataAt + Math.ceil(declared / BLOCK) * BLOCK;
    if (typeflag === 0x78 /* x */ || typeflag === 0x4c /* L */ || typeflag === 0x4b /* K */) {
      const taken = typeflag === 0x78 ? pax : typeflag === 0x4c ? longName : longLink;
      if (declared > MAX_EXTENSION || taken !== undefined) throw new NotIndexable();
      const data = window.at(dataAt, declared);
      if (typeflag === 0x78) {
        utf8(data);
        pax = parsePax(data);
        if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.'))) throw new NotIndexable();
        if (pax['size'] !== undefined && !/^\d+$/.test(pax['size'])) throw new NotIndexable();
        for (const key of ['path', 'linkpath']) if (pax[key] === '') throw new NotIndexable();
      } else {
        // tar-stream (extract.js _applyLongHeaders) takes a GNU long name or link when not empty.
        const end = data.indexOf(0);
        const text = utf8(end < 0 ? data : data.subarray(0, end));
        if (text === '') throw new NotIndexable();
        if (typeflag === 0x4c) longName = text;
        else longLink = text;
      }
      pos = next;
      continue;
    }
    const type = TYPES[typeflag];
    if (type === undefined) throw new NotIndexable();
    const short = field(block, 0, 100);
    if (short.endsWith('/') && type !== 'directory') throw new NotIndexable();
    const prefix = posix && block[345] !== 0 ? field(block, 345, 155) : undefined;
    let name = prefix === undefined ? short : `${prefix}/${short}`;
    let linkname: string | null = block[157] === 0 ? null : field(block, 157, 100);
    let length = declared;
    if (longName !== undefined) name = longName;
    if (longLink !== undefined) linkname = longLink;
    if (pax !== undefined) {
      if (pax['path'] !== undefined) name = pax['path'];
      if (pax['linkpath'] !== undefined) linkname = pax['linkpath'];
      if (pax['size'] !== undefined && pax['size'] !== '') length = Number(pax['size']);
    }
    if (type === 'directory' && length !== 0) throw new NotIndexable();
    members++;
    dataBytes += length;
    if (members > limits.maxMembers || dataBytes > limits.maxDataBytes || !Number.isSafeInteger(length)) throw new NotIndexable();
    const end = dataAt + Math.ceil(length / BLOCK) * BLOCK;
    if (dataAt + length > size) throw new NotIndexable();
    const header = {
      name,
      mode: octal(block, 100, 8),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      size: length,
      mtime: new Date(1000 * octal(block, 136, 12)),
      type,
      linkname,
      pax: pax ?? null,
    } as Header;
    const regular = type === 'file' || type === 'contiguous-file';
    collector.add(header, regular && length > 0 ? new RangeContent(reader, dataAt, length) : NO_BYTES);
    pax = undefined;
    longName = undefined;
    longLink = undefined;
    pos = end;
  }
}
