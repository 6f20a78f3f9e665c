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
import { RangeContent, type PositionedReader } from '../Content.js';
import { EntryCollector, type TarEntry } from './EntryCollector.js';
import { TRAILING_CHECKED, type TarLimits } from './framing.js';
import { BLOCK, NULL_SUM, headerSum } from './header.js';
import { OutsideSubset as NotIndexable, blockKind, memberHeader, takeExtension, type Extensions } from './subsetHeader.js';

/**
 * Bytes per positioned read: the headers of small files and the data between them come in one
 * read. With `readInto`, one buffer of this size is reused for every read: reading the data
 * between headers costs a copy from the page cache, far less than a read per header.
 */
const WINDOW = 1 << 20;
const NO_BYTES = new Uint8Array(0);

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
  let ext: Extensions = {};
  let members = 0;
  let dataBytes = 0;
  for (;;) {
    const block = window.at(pos, BLOCK);
    const { kind, typeflag, size: declared, posix } = blockKind(block);
    if (kind === 'null') {
      // The end-of-archive marker: two null blocks, then nothing but zeros (framing.ts).
      if (ext.pax !== undefined || ext.longName !== undefined || ext.longLink !== undefined) throw new NotIndexable();
      if (headerSum(window.at(pos + BLOCK, BLOCK)) !== NULL_SUM) throw new NotIndexable();
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
    const dataAt = pos + BLOCK;
    if (kind === 'extension') {
      takeExtension(typeflag, window.at(dataAt, declared), ext);
      pos = dataAt + Math.ceil(declared / BLOCK) * BLOCK;
      continue;
    }
    const header = memberHeader(block, typeflag, declared, posix, ext);
    const length = header.size;
    members++;
    dataBytes += length;
    if (members > limits.maxMembers || dataBytes > limits.maxDataBytes) throw new NotIndexable();
    const end = dataAt + Math.ceil(length / BLOCK) * BLOCK;
    if (dataAt + length > size) throw new NotIndexable();
    const regular = header.type === 'file' || header.type === 'contiguous-file';
    collector.add(header, regular && length > 0 ? new RangeContent(reader, dataAt, length) : NO_BYTES);
    ext = {};
    pos = end;
  }
}
