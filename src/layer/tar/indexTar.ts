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
 *
 * `indexLayerTarColumns` reads the same headers into the layer's columns directly, for a tar
 * that names each path once (tarColumns.ts): a whole-image pass never builds an entry or a node.
 */
import type { LayerColumns } from '../columns.js';
import { RangeContent, type PositionedReader } from '../Content.js';
import { EntryCollector, type TarEntry } from './EntryCollector.js';
import { TRAILING_CHECKED, type TarLimits } from './framing.js';
import { BLOCK } from './header.js';
import { OutsideSubset as NotIndexable, blockKind, memberFields, memberHeader, takeExtension, type Extensions, type MemberFields } from './subsetHeader.js';
import { TarColumns } from './tarColumns.js';

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
  /** `#buffer` as 32-bit words, for the header checksum (subsetHeader.ts `blockKind`). */
  readonly words: Uint32Array | undefined;
  constructor(
    private readonly reader: PositionedReader,
    private readonly size: number,
  ) {
    if (reader.readInto !== undefined) {
      this.#buffer = new Uint8Array((Math.min(WINDOW, size) + 3) & ~3);
      this.words = new Uint32Array(this.#buffer.buffer);
    }
  }

  /** `length` bytes at `position`, all of them or `NotIndexable`. */
  at(position: number, length: number): Uint8Array {
    if (length > WINDOW) {
      if (position + length > this.size) throw new NotIndexable();
      const bytes = this.reader.read(position, length);
      if (bytes.length !== length) throw new NotIndexable();
      return bytes;
    }
    const from = this.offset(position, length);
    return this.#bytes.subarray(from, from + length);
  }

  /** The window's bytes: `offset` tells where in them the bytes asked for are. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * Where `length` bytes at `position` (at most WINDOW) start in `bytes`, read into the window
   * if need be; no view is made, the walk reads a header where it lies. Views and offsets
   * handed out before are overwritten here: callers use each before the next call.
   */
  offset(position: number, length: number): number {
    if (position + length > this.size) throw new NotIndexable();
    const from = position - this.#start;
    if (from >= 0 && from + length <= this.#bytes.length) return from;
    const want = Math.min(WINDOW, this.size - position);
    this.#bytes = this.#buffer === undefined ? this.reader.read(position, want) : this.#buffer.subarray(0, this.reader.readInto!(this.#buffer.subarray(0, want), position));
    this.#start = position;
    if (this.#bytes.length < length) throw new NotIndexable();
    return 0;
  }
}

/**
 * The entries of the uncompressed layer tar of `size` bytes that `reader` reads, as
 * `readLayerTar` gives them, or `undefined` when the tar is outside the subset this reads (see
 * the module comment). Regular files' data are `RangeContent`s of `reader`.
 */
export function indexLayerTar(reader: PositionedReader, size: number, limits: TarLimits): TarEntry[] | undefined {
  try {
    const entries = new EntrySink(reader);
    walk(new Window(reader, size), size, limits, entries);
    return entries.collector.finish();
  } catch {
    // NotIndexable, or an entry check of EntryCollector failing: the streaming reader gives
    // the error, with the same message (or its own, when it frames the tar more strictly).
    return undefined;
  }
}

/**
 * The columns of the same tar, without entry or node objects (tarColumns.ts), or `undefined`
 * when the tar is outside the subset this reads or needs EntryCollector's rules: then
 * `indexLayerTar` reads it (or declines).
 */
export function indexLayerTarColumns(reader: PositionedReader, size: number, limits: TarLimits): LayerColumns | undefined {
  try {
    const columns = new TarColumns(reader);
    walk(new Window(reader, size), size, limits, columns);
    return columns.finish();
  } catch {
    return undefined;
  }
}

/** What takes the members of a walk: one object with a method, where a closure per call would cost the optimised walk a deopt per layer. */
interface MemberSink {
  add(fields: MemberFields, dataAt: number): void;
}

/** Members as EntryCollector takes them, files' data as ranges of the tar. */
class EntrySink implements MemberSink {
  readonly collector = new EntryCollector();
  constructor(private readonly reader: PositionedReader) {}

  add(fields: MemberFields, dataAt: number): void {
    const regular = fields.type === 'file' || fields.type === 'contiguous-file';
    this.collector.add(memberHeader(fields), regular && fields.size > 0 ? new RangeContent(this.reader, dataAt, fields.size) : NO_BYTES);
  }
}

/** Gives `sink` each member of the tar, in order, checking the tar's framing to its end. */
function walk(window: Window, size: number, limits: TarLimits, sink: MemberSink): void {
  let pos = 0;
  let ext: Extensions = {};
  let members = 0;
  let dataBytes = 0;
  for (;;) {
    const at = window.offset(pos, BLOCK);
    const { kind, typeflag, size: declared, posix } = blockKind(window.bytes, at, window.words);
    if (kind === 'null') {
      // The end-of-archive marker: two null blocks, wholly zero (framing and tar-stream take any
      // block whose sum is that of zeros), then nothing but zeros (framing.ts).
      if (ext.pax !== undefined || ext.longName !== undefined || ext.longLink !== undefined) throw new NotIndexable();
      const nulls = window.at(pos, 2 * BLOCK);
      for (let i = 0; i < nulls.length; i++) if (nulls[i] !== 0) throw new NotIndexable();
      const end = pos + 2 * BLOCK;
      const trailer = Math.min(size - end, TRAILING_CHECKED);
      for (let from = end; from < end + trailer; from += WINDOW) {
        const bytes = window.at(from, Math.min(WINDOW, end + trailer - from));
        for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) throw new NotIndexable();
      }
      return;
    }
    const dataAt = pos + BLOCK;
    if (kind === 'extension') {
      takeExtension(typeflag, window.at(dataAt, declared), ext);
      pos = dataAt + Math.ceil(declared / BLOCK) * BLOCK;
      continue;
    }
    const fields = memberFields(window.bytes, at, typeflag, declared, posix, ext);
    const length = fields.size;
    members++;
    dataBytes += length;
    if (members > limits.maxMembers || dataBytes > limits.maxDataBytes) throw new NotIndexable();
    const end = dataAt + Math.ceil(length / BLOCK) * BLOCK;
    if (dataAt + length > size) throw new NotIndexable();
    sink.add(fields, dataAt);
    ext = {};
    pos = end;
  }
}
