/**
 * The bytes of one tar member's headers: a USTAR header (`ustar\0` + `00`, as Go's archive/tar
 * writes it), preceded by a PAX `x` header only for what USTAR cannot hold: long or non-ASCII
 * names and link targets, uid/gid above 0o7777777, sizes of 8 GiB and more, millisecond or
 * negative mtimes, and xattrs as `SCHILY.xattr.<name>` (POSIX pax "pax Extended Header").
 */
import { compareNames } from '../../path/index.js';
import { concatBytes } from '../Content.js';
import type { Meta } from '../types.js';

export const BLOCK = 512;

export const TYPE_FILE = 0x30; // '0'
export const TYPE_HARDLINK = 0x31; // '1'
export const TYPE_SYMLINK = 0x32; // '2'
export const TYPE_DIR = 0x35; // '5'
const TYPE_PAX = 0x78; // 'x'

/** Largest values the octal USTAR fields hold (7 digits for ids, 11 for size and mtime). */
const MAX_ID = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

const PAX_META: Meta = Object.freeze({ mode: 0, uid: 0, gid: 0, mtime: 0, xattrs: Object.freeze({}) });
const encoder = new TextEncoder();

/** One tar member's header fields, before encoding. */
export interface TarHeader {
  /** Full tar name (relative, `/` after directories). */
  readonly name: string;
  readonly typeflag: number;
  readonly meta: Meta;
  readonly linkname: string;
  /** Bytes of data after the header. */
  readonly size: number;
}

/** Zero bytes that pad `size` bytes of data to whole blocks. */
export function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** A read header's checksum: every byte summed, the checksum field counted as eight spaces. */
export function headerSum(block: Uint8Array, base = 0): number {
  let total = 8 * 0x20;
  for (let i = base; i < base + 148; i++) total += block[i]!;
  for (let i = base + 156; i < base + BLOCK; i++) total += block[i]!;
  return total;
}

/**
 * `headerSum` of the block at byte `base` (a multiple of 4) of the bytes `words` views: four
 * bytes a load, summed two lanes at a time (126 words of at most 255 a lane fit 16 bits).
 * The header walk sums every header of an archive this way (about three times faster).
 */
export function headerSumOfWords(words: Uint32Array, base: number): number {
  const first = base >> 2;
  let even = 0;
  let odd = 0;
  // Words 37 and 38 are the checksum field (bytes 148-155), counted as spaces.
  for (let i = first; i < first + 37; i++) {
    const w = words[i]!;
    even += w & 0x00ff00ff;
    odd += (w >>> 8) & 0x00ff00ff;
  }
  for (let i = first + 39; i < first + BLOCK / 4; i++) {
    const w = words[i]!;
    even += w & 0x00ff00ff;
    odd += (w >>> 8) & 0x00ff00ff;
  }
  return 8 * 0x20 + (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16);
}

/** The checksum of an all-zero block, which tar-stream takes for no header (headers.js decode). */
export const NULL_SUM = 8 * 0x20;

/** Milliseconds as the tar writes them: whole (the model's unit), -0 as 0. */
function mtimeMs(meta: Meta): number {
  return Math.trunc(meta.mtime) || 0;
}

/**
 * The PAX records a member needs, encoded, or `undefined` when USTAR holds everything (the
 * common case, decided without allocating). The attributes are known to pass `metaFault`.
 */
export function paxData(header: TarHeader): Uint8Array | undefined {
  const { meta, name, linkname, size } = header;
  const mtime = mtimeMs(meta);
  const nameFits = fitsUstarName(name);
  const linkFits = linkname.length <= 100 && isAscii(linkname);
  let hasXattrs = false;
  for (const _ in meta.xattrs) {
    hasXattrs = true;
    break;
  }
  if (nameFits && linkFits && meta.uid <= MAX_ID && meta.gid <= MAX_ID && size <= MAX_OCTAL_11 && mtimeFits(mtime) && !hasXattrs) {
    return undefined;
  }
  const records: [string, string][] = [];
  if (!nameFits) records.push(['path', name]);
  if (!linkFits) records.push(['linkpath', linkname]);
  if (meta.uid > MAX_ID) records.push(['uid', String(meta.uid)]);
  if (meta.gid > MAX_ID) records.push(['gid', String(meta.gid)]);
  if (size > MAX_OCTAL_11) records.push(['size', String(size)]);
  if (!mtimeFits(mtime)) records.push(['mtime', paxTime(mtime)]);
  for (const key of Object.keys(meta.xattrs)) records.push([`SCHILY.xattr.${key}`, meta.xattrs[key]!]);
  return paxRecords(records);
}

/** Whole seconds in the 11-digit octal field; anything else needs a PAX `mtime` record. */
function mtimeFits(ms: number): boolean {
  return ms % 1000 === 0 && ms >= 0 && ms / 1000 <= MAX_OCTAL_11;
}

/** Bytes of a member's headers: the USTAR block, after the PAX member and its padded records. */
export function headersLength(pax: Uint8Array | undefined): number {
  return pax === undefined ? BLOCK : 2 * BLOCK + pax.length + padding(pax.length);
}

/**
 * The member's headers at `out[at..]`: the PAX `x` member and its padded records (when
 * needed), then the USTAR header. Every byte of the range is written (the buffer may be reused).
 */
export function writeHeaders(header: TarHeader, pax: Uint8Array | undefined, out: Uint8Array, at: number): void {
  const { meta, name, linkname, size } = header;
  if (pax !== undefined) {
    // Like Go's writer, the `x` member is named after the entry it describes; readers ignore it.
    const paxName = asciiStandIn('PaxHeaders/' + lastComponent(name), false);
    writeUstar(out, at, paxName, 0, '', TYPE_PAX, PAX_META, 0, pax.length);
    out.set(pax, at + BLOCK);
    const end = at + BLOCK + pax.length;
    out.fill(0, end, end + padding(pax.length));
    at = end + padding(pax.length);
  }
  // Fields that do not fit hold zero or an ASCII stand-in; the PAX records carry the real values.
  // Without PAX records the name is known to fit; with them it may or may not.
  const split = pax === undefined || fitsUstarName(name) ? ustarSplit(name) : -1;
  const mtime = mtimeMs(meta);
  const seconds = Math.floor(mtime / 1000);
  writeUstar(
    out,
    at,
    split < 0 ? asciiStandIn(name, header.typeflag === TYPE_DIR) : name,
    split,
    linkname.length <= 100 && isAscii(linkname) ? linkname : asciiStandIn(linkname, false),
    header.typeflag,
    meta,
    seconds >= 0 && seconds <= MAX_OCTAL_11 ? seconds : 0,
    size > MAX_OCTAL_11 ? 0 : size,
  );
}

/** Last component of a tar name (`a/b/` → `b`, `./` → `.`). */
function lastComponent(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * PAX time `[-]seconds[.fraction]` of a millisecond time. A negative time is the sign and the
 * magnitude (`-1.5` is 1.5 s before the epoch), as Go's archive/tar formats it.
 */
function paxTime(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  if (frac === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

/** PAX extended header data: `<len> <key>=<value>\n` records, sorted by key (bytes). */
function paxRecords(records: [string, string][]): Uint8Array {
  records.sort((a, b) => compareNames(a[0], b[0]));
  const encoded: Uint8Array[] = [];
  for (const [key, value] of records) {
    const body = encoder.encode(` ${key}=${value}\n`);
    // The length counts its own digits: grow the digit count until it is self-consistent.
    let digits = String(body.length).length;
    while (String(body.length + digits).length !== digits) digits++;
    encoded.push(encoder.encode(String(body.length + digits)), body);
  }
  return concatBytes(encoded);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/** The name fits USTAR: ASCII, and ≤ 100 bytes or splittable into prefix and name. */
function fitsUstarName(name: string): boolean {
  return isAscii(name) && (name.length <= 100 || ustarSplit(name) > 0);
}

/**
 * Where to split a long ASCII name into the 155-byte prefix and the 100-byte name (at a `/`,
 * the name part non-empty): the index of that `/`, 0 when the name fits unsplit, -1 when it
 * cannot fit (then a PAX `path` record). The last possible slash is used, as Go does.
 */
function ustarSplit(name: string): number {
  if (name.length <= 100) return 0;
  // A directory's trailing slash cannot be the split point: the name part would be empty.
  for (let i = Math.min(name.length - 2, 155); i > 0; i--) {
    if (name.charCodeAt(i) !== 0x2f) continue;
    return name.length - i - 1 <= 100 ? i : -1;
  }
  return -1;
}

/**
 * What a USTAR field shows when the real value is in a PAX record: ASCII only, at most 100
 * bytes, and never a trailing `/` on a non-directory (old readers take that as a directory).
 */
function asciiStandIn(s: string, isDir: boolean): string {
  let out = s.replace(/[^\x01-\x7f]/g, '_');
  if (out.length > 100) out = isDir ? out.slice(0, 99) + '/' : out.slice(0, 100);
  if (!isDir) out = out.replace(/\/+$/, '');
  return out;
}

/** Writes ASCII `s[from, to)` at `out[at..]`; returns the byte sum (for the checksum). */
function writeAscii(out: Uint8Array, at: number, s: string, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    out[at + i - from] = c;
    sum += c;
  }
  return sum;
}

/**
 * `digits` zero-padded octal digits and a NUL, as Go's archive/tar fills numeric fields;
 * returns the byte sum. The value is known to fit.
 */
function writeOctal(out: Uint8Array, at: number, value: number, digits: number): number {
  let sum = 0;
  let i = digits - 1;
  // Above 31 bits (sizes and times) peel digits off in float arithmetic, then go on in integers.
  for (; value > 0x7fffffff; i--) {
    const d = value % 8;
    out[at + i] = 0x30 + d;
    sum += 0x30 + d;
    value = (value - d) / 8;
  }
  for (; i >= 0; i--) {
    const c = 0x30 + (value & 7);
    out[at + i] = c;
    sum += c;
    value >>>= 3;
  }
  out[at + digits] = 0;
  return sum;
}

/**
 * The constant part of every header: "ustar\0" "00" (POSIX USTAR magic and version), and
 * devmajor/devminor as zeros like Go; uname and gname stay empty (umoci blanks them too).
 * Every variable field is zero here, so the template's byte sum plus the written fields'
 * sums is the checksum.
 */
const TEMPLATE = new Uint8Array(BLOCK);
const TEMPLATE_SUM = ((): number => {
  let sum = writeAscii(TEMPLATE, 257, 'ustar\u000000', 0, 8);
  sum += writeOctal(TEMPLATE, 329, 0, 7);
  sum += writeOctal(TEMPLATE, 337, 0, 7);
  return sum + 8 * 0x20; // the checksum field itself counts as eight spaces
})();

/**
 * One 512-byte USTAR header at `out[at..]`. `split` is where a long name divides into prefix
 * and name (0: no prefix).
 */
function writeUstar(
  out: Uint8Array,
  at: number,
  name: string,
  split: number,
  linkname: string,
  typeflag: number,
  meta: Meta,
  mtimeSeconds: number,
  size: number,
): void {
  out.set(TEMPLATE, at);
  let sum = TEMPLATE_SUM;
  if (split > 0) {
    sum += writeAscii(out, at + 345, name, 0, split);
    sum += writeAscii(out, at, name, split + 1, name.length);
  } else {
    sum += writeAscii(out, at, name, 0, Math.min(name.length, 100));
  }
  sum += writeOctal(out, at + 100, meta.mode & 0o7777, 7);
  sum += writeOctal(out, at + 108, meta.uid > MAX_ID ? 0 : meta.uid, 7);
  sum += writeOctal(out, at + 116, meta.gid > MAX_ID ? 0 : meta.gid, 7);
  sum += writeOctal(out, at + 124, size, 11);
  sum += writeOctal(out, at + 136, mtimeSeconds, 11);
  out[at + 156] = typeflag;
  sum += typeflag;
  sum += writeAscii(out, at + 157, linkname, 0, Math.min(linkname.length, 100));
  // Checksum: six octal digits, NUL, space (the historical layout every reader accepts).
  writeOctal(out, at + 148, sum, 6);
  out[at + 155] = 0x20;
}
