/**
 * The plain, common subset of tar headers, decoded as tar-stream decodes them (headers.js
 * decode, extract.js _applyLongHeaders): POSIX ustar or GNU headers with octal fields, PAX `x`
 * and GNU `L` and `K` extensions, regular files, directories, symlinks and hard links. Anything
 * else throws `OutsideSubset`, and the caller leaves the tar (or the rest of it) to tar-stream
 * (parseTar.ts), whose answer or error is the reference. Shared by the positioned header index
 * (indexTar.ts) and the streaming reader's fast path (fastTar.ts).
 */
import type { Header } from 'tar-stream';
import { MAX_EXTENSION, parsePax } from './framing.js';
import { NULL_SUM, headerSum, headerSumOfWords } from './header.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Not in the subset: tar-stream decides. */
export class OutsideSubset extends Error {}

/** An octal field as tar-stream reads it (headers.js decodeOct); base-256 is left to it. */
export function octal(block: Uint8Array, at: number, length: number): number {
  if ((block[at]! & 0x80) !== 0) throw new OutsideSubset();
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
  if (digits === 0) throw new OutsideSubset();
  return value;
}

/**
 * A NUL-ended field as tar-stream reads it (headers.js decodeStr). UTF-8 that is not valid is
 * left to tar-stream, whose decoder's replacement characters are its own.
 */
function field(block: Uint8Array, at: number, length: number): string {
  let end = at;
  const limit = at + length;
  let ascii = true;
  for (; end < limit && block[end] !== 0; end++) if (block[end]! >= 0x80) ascii = false;
  return ascii ? String.fromCharCode.apply(null, block.subarray(at, end) as unknown as number[]) : utf8(block.subarray(at, end));
}

export function utf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new OutsideSubset();
  }
}

const TYPES: Record<number, Header['type']> = { 0: 'file', 0x30: 'file', 0x31: 'link', 0x32: 'symlink', 0x35: 'directory', 0x37: 'contiguous-file' };

/** The extensions read since the last member, applied to the next one. */
export interface Extensions {
  pax?: Record<string, string>;
  longName?: string;
  longLink?: string;
}

/**
 * `null`: two of these end the archive (framing.ts); `extension`: PAX `x`, GNU `L` or `K`, its
 * data (`size` bytes) read by `takeExtension`; `member`: a member's own header.
 */
export type BlockKind = 'null' | 'extension' | 'member';

/**
 * What the header block at `base` of `bytes` is, once its checksum and format are checked;
 * `size` as the block declares it. (A block is read where it lies: no view made per header.)
 */
export function blockKind(bytes: Uint8Array, base = 0, words?: Uint32Array): { kind: BlockKind; typeflag: number; size: number; posix: boolean } {
  // `words`: the same bytes as 32-bit words (from byte 0, aligned), for the faster sum.
  const checksum = words !== undefined && (base & 3) === 0 ? headerSumOfWords(words, base) : headerSum(bytes, base);
  if (checksum === NULL_SUM) return { kind: 'null', typeflag: 0, size: 0, posix: false };
  if (checksum !== octal(bytes, base + 148, 8)) throw new OutsideSubset();
  const m = base + 257;
  const ustar = bytes[m] === 0x75 && bytes[m + 1] === 0x73 && bytes[m + 2] === 0x74 && bytes[m + 3] === 0x61 && bytes[m + 4] === 0x72;
  const posix = ustar && bytes[m + 5] === 0 && bytes[m + 6] === 0x30 && bytes[m + 7] === 0x30;
  const gnu = ustar && bytes[m + 5] === 0x20 && bytes[m + 6] === 0x20 && bytes[m + 7] === 0;
  if (!posix && !gnu) throw new OutsideSubset();
  const typeflag = bytes[base + 156]!;
  const size = octal(bytes, base + 124, 12);
  const extension = typeflag === 0x78 /* x */ || typeflag === 0x4c /* L */ || typeflag === 0x4b; /* K */
  if (extension && size > MAX_EXTENSION) throw new OutsideSubset();
  return { kind: extension ? 'extension' : 'member', typeflag, size, posix };
}

/** Records an extension's data in `ext` (one of each kind per member). */
export function takeExtension(typeflag: number, data: Uint8Array, ext: Extensions): void {
  const taken = typeflag === 0x78 ? ext.pax : typeflag === 0x4c ? ext.longName : ext.longLink;
  if (taken !== undefined) throw new OutsideSubset();
  if (typeflag === 0x78) {
    utf8(data);
    // A malformed record: tar-stream's reading (lenient) or framing.ts's error decides.
    let pax: Record<string, string>;
    try {
      pax = parsePax(data);
    } catch {
      throw new OutsideSubset();
    }
    if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.'))) throw new OutsideSubset();
    if (pax['size'] !== undefined && !/^\d+$/.test(pax['size'])) throw new OutsideSubset();
    for (const key of ['path', 'linkpath']) if (pax[key] === '') throw new OutsideSubset();
    ext.pax = pax;
  } else {
    // tar-stream (extract.js _applyLongHeaders) takes a GNU long name or link when not empty.
    const end = data.indexOf(0);
    const text = utf8(end < 0 ? data : data.subarray(0, end));
    if (text === '') throw new OutsideSubset();
    if (typeflag === 0x4c) ext.longName = text;
    else ext.longLink = text;
  }
}

/** A member's header fields with its extensions applied: `memberHeader` without its objects. */
export interface MemberFields {
  type: Header['type'];
  name: string;
  linkname: string | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds, as the header has them (a PAX `mtime` is in `pax`). */
  mtime: number;
  pax: Record<string, string> | undefined;
}

/** The fields of the member header at `base` of `bytes` (see `memberHeader`). */
export function memberFields(bytes: Uint8Array, base: number, typeflag: number, declared: number, posix: boolean, ext: Extensions): MemberFields {
  const type = TYPES[typeflag];
  if (type === undefined) throw new OutsideSubset();
  const short = field(bytes, base, 100);
  if (short.endsWith('/') && type !== 'directory') throw new OutsideSubset();
  const prefix = posix && bytes[base + 345] !== 0 ? field(bytes, base + 345, 155) : undefined;
  let name = prefix === undefined ? short : `${prefix}/${short}`;
  let linkname: string | null = bytes[base + 157] === 0 ? null : field(bytes, base + 157, 100);
  let size = declared;
  const { pax, longName, longLink } = ext;
  if (longName !== undefined) name = longName;
  if (longLink !== undefined) linkname = longLink;
  if (pax !== undefined) {
    if (pax['path'] !== undefined) name = pax['path'];
    if (pax['linkpath'] !== undefined) linkname = pax['linkpath'];
    if (pax['size'] !== undefined && pax['size'] !== '') size = Number(pax['size']);
  }
  if ((type === 'directory' && size !== 0) || !Number.isSafeInteger(size)) throw new OutsideSubset();
  const mode = octal(bytes, base + 100, 8);
  const uid = octal(bytes, base + 108, 8);
  const gid = octal(bytes, base + 116, 8);
  return { type, name, linkname, size, mode, uid, gid, mtime: octal(bytes, base + 136, 12), pax };
}

/** A member's header with its extensions applied, as tar-stream gives it. */
export function memberHeader(fields: MemberFields): Header {
  const { name, mode, uid, gid, size, mtime, type, linkname, pax } = fields;
  return { name, mode, uid, gid, size, mtime: new Date(1000 * mtime), type, linkname, pax: pax ?? null } as Header;
}
