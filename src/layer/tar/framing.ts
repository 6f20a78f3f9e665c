/**
 * The tar's block structure, checked on the raw bytes before tar-stream parses them: where each
 * header is, what each member declares, and where the archive ends. tar-stream is lenient where
 * a layer reader must not be (it takes malformed PAX records, reads past the end-of-archive
 * marker to the end of the input, and would read a member of any declared size), so this stage
 * refuses, before any data is read:
 * - malformed PAX records (POSIX pax "pax Extended Header": `"%d %s=%s\n"`, the length counting
 *   the whole record), as Go's archive/tar parsePAXRecord does;
 * - sparse members, GNU (`S`) and PAX (`GNU.sparse.*`): their data is not the file's bytes;
 * - tars that declare more data or more members than `TarLimits` allow (`LayerTooLargeError`).
 * It ends the stream at the end-of-archive marker (two zero blocks), as GNU tar stops there.
 */
import { DomainError } from '../../errors/index.js';
import { formatError } from './errors.js';
import { BLOCK, NULL_SUM, headerSum, padding } from './header.js';

/** Bounds on what a layer tar may declare (checked from the headers, before the data). */
export interface TarLimits {
  /** Most bytes of member data in all (sizes as declared by the headers and PAX records). */
  maxDataBytes: number;
  /** Most members (headers of objects, PAX and long-name headers not counted). */
  maxMembers: number;
}

/**
 * How many bytes after the end-of-archive marker are read, and must be zeros (GNU tar pads to
 * 10 KiB records; Go's archive/tar writes none). Past that the input is not read further, so a
 * tar followed by gigabytes of zeros ends at once.
 */
export const TRAILING_CHECKED = 1 << 20;

/** Largest PAX or GNU long-name data kept (tar-stream's own bound, extract.js MAX_HEADER_SIZE). */
export const MAX_EXTENSION = 4 << 20;
const decoder = new TextDecoder('utf-8', { fatal: false });

type Mode = 'header' | 'extension' | 'skip' | 'trailing';

/** How `framedTar` treats what follows the end-of-archive marker. */
export interface ArchiveEndOptions {
  /** Pass on the zeros read after the marker too: the archive as it is stored, not as parsed. */
  withTrailer?: boolean;
  /**
   * Read to the end of the input, every byte after the marker a zero and counted against
   * `maxDataBytes`, instead of stopping `TRAILING_CHECKED` bytes after it (a tar whose digest
   * is given must be read whole to be checked).
   */
  toEnd?: boolean;
  /** Told once reading stops: `cut` when the input went on past that point (it was not read). */
  onEnd?(end: { cut: boolean; bytes: number }): void;
}

/** The chunks as given, up to the end-of-archive marker; throws on what the module doc lists. */
export async function* framedTar(chunks: AsyncIterable<Uint8Array>, limits: TarLimits, end: ArchiveEndOptions = {}): AsyncGenerator<Uint8Array> {
  const block = new Uint8Array(BLOCK);
  let filled = 0;
  let mode = 'header' as Mode;
  let skip = 0;
  let extension: { type: number; data: Uint8Array; filled: number; padding: number } | undefined;
  let globalPax: Record<string, string> = {};
  let pendingPax: Record<string, string> | undefined;
  let pendingLongName: string | undefined;
  /** Set by `onHeader` when the block must reach tar-stream patched (see `unslashedName`). */
  let patchName = false;
  let zeroBlocks = 0;
  let members = 0;
  let dataBytes = 0;
  let trailing = 0;

  const onHeader = (): void => {
    if (isNullBlock(block)) {
      zeroBlocks++;
      return;
    }
    if (zeroBlocks > 0) throw formatError('a lone zero block stands between members');
    if (headerSum(block) !== readOctal(block, 148, 8)) throw formatError('invalid tar header checksum');
    const type = block[156]!;
    const size = readSize(block);
    const name = headerName(block);
    if (type === 0x78 /* x */ || type === 0x67 /* g */ || type === 0x4c /* L */ || type === 0x4b /* K */) {
      if (size > MAX_EXTENSION) throw formatError(`extended header of ${size} bytes is too large`, name);
      extension = { type, data: new Uint8Array(size), filled: 0, padding: padding(size) };
      mode = 'extension';
      return;
    }
    const pax = pendingPax;
    pendingPax = undefined;
    const longName = pendingLongName;
    pendingLongName = undefined;
    const path = pax?.['path'] ?? longName ?? name;
    if (type === 0x53 /* S */ || (pax !== undefined && Object.keys(pax).some((k) => k.startsWith('GNU.sparse.')))) {
      throw formatError('sparse tar members are not supported', path);
    }
    // tar-stream's rules (extract.js _applyLongHeaders, _consumeHeader): a PAX `size` replaces
    // the header's, and a directory's data is never read.
    const declared = pax?.['size'] !== undefined && pax['size'] !== '' ? Number(pax['size']) : size;
    // The old convention (a regular member whose name ends in `/` is a directory) looks at the
    // member's whole name, as Go's archive/tar (reader.go Next, after mergePAX) and GNU tar do:
    // GNU and PAX tars cut a long name to its first 100 bytes in the header, which may end in
    // `/` by chance (every `d/d/d/…` path does).
    const regular = type === 0 || type === 0x30;
    const isDir = type === 0x35 || (regular && path.endsWith('/'));
    patchName = regular && name.endsWith('/') && !path.endsWith('/');
    const data = isDir ? 0 : declared;
    members++;
    dataBytes += data;
    if (members > limits.maxMembers) throw tooLarge(`more than ${limits.maxMembers} members`, limits);
    if (dataBytes > limits.maxDataBytes) throw tooLarge(`more than ${limits.maxDataBytes} bytes of member data`, limits, path);
    skip = data + padding(data);
    mode = skip > 0 ? 'skip' : 'header';
  };

  const onExtension = (ext: { type: number; data: Uint8Array }): void => {
    if (ext.type === 0x4c /* L */) {
      const end = ext.data.indexOf(0);
      pendingLongName = decoder.decode(end < 0 ? ext.data : ext.data.subarray(0, end));
    }
    if (ext.type === 0x78 || ext.type === 0x67) {
      const records = parsePax(ext.data);
      if (records['size'] !== undefined && !/^\d+$/.test(records['size'])) throw formatError(`invalid PAX size ${JSON.stringify(records['size'])}`);
      if (ext.type === 0x67) globalPax = records;
      else pendingPax = { ...globalPax, ...records };
    }
  };

  // For the parser, a header block that must be patched (`unslashedName`) is passed on by
  // itself; the archive as stored (`withTrailer`) is passed on as it came.
  const blockwise = end.withTrailer !== true;
  const input = chunks[Symbol.asyncIterator]();
  let bytes = 0;
  try {
    for (let next = await input.next(); next.done !== true; next = await input.next()) {
      const chunk = next.value;
      let i = 0;
      /** Start of the bytes of this chunk not passed on yet (header bytes go via `block`). */
      let from = 0;
      while (i < chunk.length) {
        if (mode === 'trailing') {
          const stop = end.toEnd === true ? chunk.length : Math.min(chunk.length, i + TRAILING_CHECKED - trailing);
          for (let j = i; j < stop; j++) if (chunk[j] !== 0) throw formatError('data after the end-of-archive marker');
          trailing += stop - i;
          if (end.toEnd === true && dataBytes + trailing > limits.maxDataBytes) throw tooLarge(`more than ${limits.maxDataBytes} bytes with the zeros after its end`, limits);
          if (end.withTrailer === true) yield chunk.subarray(i, stop);
          bytes += stop - i;
          i = stop;
          from = i;
          if (end.toEnd !== true && trailing >= TRAILING_CHECKED) {
            // Stopped: the rest of the input is not read, only looked at for whether there is one.
            end.onEnd?.({ cut: i < chunk.length || (await input.next()).done !== true, bytes });
            return;
          }
        } else if (mode === 'skip') {
          const n = Math.min(skip, chunk.length - i);
          skip -= n;
          i += n;
          if (skip === 0) mode = 'header';
        } else if (mode === 'extension') {
          const ext = extension!;
          if (ext.filled < ext.data.length) {
            const n = Math.min(ext.data.length - ext.filled, chunk.length - i);
            ext.data.set(chunk.subarray(i, i + n), ext.filled);
            ext.filled += n;
            i += n;
          }
          if (ext.filled === ext.data.length) {
            onExtension(ext);
            skip = ext.padding;
            mode = skip > 0 ? 'skip' : 'header';
          }
        } else {
          const start = i;
          // A header wholly inside this chunk stays in the run of the chunk passed on as it is
          // (unless patched); one split across chunks is passed on as its own copy.
          const whole = filled === 0 && chunk.length - i >= BLOCK;
          if (blockwise && !whole && from < i) {
            yield chunk.subarray(from, i);
            bytes += i - from;
          }
          const n = Math.min(BLOCK - filled, chunk.length - i);
          block.set(chunk.subarray(i, i + n), filled);
          filled += n;
          i += n;
          if (blockwise && !whole) from = i;
          if (filled === BLOCK) {
            filled = 0;
            try {
              onHeader();
            } catch (error) {
              // The parser still gets what came before the refused header first.
              if (blockwise && whole && from < start) yield chunk.subarray(from, start);
              throw error;
            }
            if (blockwise && !whole) {
              yield patchName ? unslashedName(block) : block.slice();
              bytes += BLOCK;
            } else if (blockwise && patchName) {
              if (from < start) yield chunk.subarray(from, start);
              yield unslashedName(block);
              bytes += i - from;
              from = i;
            }
            if (zeroBlocks === 2) {
              // The parser gets the archive up to its marker; what follows is only checked.
              if (from < i) {
                yield chunk.subarray(from, i);
                bytes += i - from;
              }
              from = i;
              mode = 'trailing';
              continue;
            }
          }
        }
      }
      if (from < chunk.length && mode !== 'trailing') {
        yield chunk.subarray(from);
        bytes += chunk.length - from;
      }
    }
    // A header cut short is held back above, so the parser would not see it: the error is here.
    if (mode === 'header' && filled > 0) throw formatError('the tar ends inside a header block');
    end.onEnd?.({ cut: false, bytes });
  } finally {
    await input.return?.();
  }
}

/**
 * A copy of a regular member's header whose 100-byte name field ends in `/` only because a long
 * name (PAX `path`, GNU `L`) was cut there, without that `/`: tar-stream takes such a member for
 * a directory from the field alone (headers.js decode, "old tar versions that use trailing / to
 * indicate dirs") and would then read its data as the next header. The whole name still comes
 * from the extension; the checksum is written again.
 */
function unslashedName(header: Uint8Array): Uint8Array {
  const copy = header.slice();
  let last = 99;
  while (last > 0 && copy[last] === 0) last--;
  copy[last] = 0;
  const sum = headerSum(copy);
  copy.set(new TextEncoder().encode(sum.toString(8).padStart(6, '0')), 148);
  copy[154] = 0;
  copy[155] = 0x20;
  return copy;
}

function tooLarge(what: string, limits: TarLimits, path?: string): DomainError {
  const data: Record<string, unknown> = { ...limits };
  if (path !== undefined) data['path'] = path;
  return new DomainError('LayerTooLargeError', `the layer declares ${what} (the limit can be raised)`, data);
}

/** A block tar-stream takes for no header: its checksum is that of an all-zero block. */
function isNullBlock(block: Uint8Array): boolean {
  return headerSum(block) === NULL_SUM;
}

function readOctal(block: Uint8Array, at: number, length: number): number {
  let i = at;
  const end = at + length;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
  }
  return value;
}

/** The size field: octal, or GNU base-256 when its first byte has the high bit set. */
function readSize(block: Uint8Array): number {
  if ((block[124]! & 0x80) === 0) return readOctal(block, 124, 12);
  if (block[124] !== 0x80) throw formatError('negative or huge size in a tar header');
  let value = 0;
  for (let i = 125; i < 136; i++) value = value * 256 + block[i]!;
  if (!Number.isSafeInteger(value)) throw formatError('size out of range in a tar header');
  return value;
}

/** The USTAR name (prefix joined), for messages and the old directory convention. */
function headerName(block: Uint8Array): string {
  const field = (at: number, length: number): string => {
    let end = at;
    let ascii = true;
    for (; end < at + length && block[end] !== 0; end++) if (block[end]! >= 0x80) ascii = false;
    // ASCII (nearly every name) is its own decoding; the decoder is for the rest.
    const raw = block.subarray(at, end);
    return ascii ? String.fromCharCode.apply(null, raw as unknown as number[]) : decoder.decode(raw);
  };
  const name = field(0, 100);
  const ustar = block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0;
  const prefix = ustar ? field(345, 155) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** PAX records, each checked: a decimal length counting the whole record, `key=value`, a newline. */
export function parsePax(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    let space = at;
    while (space < data.length && data[space]! >= 0x30 && data[space]! <= 0x39) space++;
    if (space === at || data[space] !== 0x20) throw formatError('PAX record without a decimal length');
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= space - at + 1 || at + length > data.length) {
      throw formatError('PAX record length out of range');
    }
    if (data[at + length - 1] !== 0x0a) throw formatError('PAX record without its newline');
    const body = data.subarray(space + 1, at + length - 1);
    const eq = body.indexOf(0x3d);
    if (eq <= 0) throw formatError('PAX record without a key=value');
    records[decoder.decode(body.subarray(0, eq))] = decoder.decode(body.subarray(eq + 1));
    at += length;
  }
  return records;
}
