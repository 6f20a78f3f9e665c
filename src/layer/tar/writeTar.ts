/**
 * The canonical OCI layer tar of a layer: the same layer always gives the same bytes, so its
 * DiffID (OCI image-spec config.md "Layer DiffID") is a function of the layer alone.
 *
 * The canonical form (semantics reference §O, Z3):
 * - members in the byte order of `layer.paths()`, names relative (`etc/hosts`), directories
 *   with a trailing `/`, an explicit root directory as `./`;
 * - USTAR headers (`ustar\0` + `00`), empty uname/gname, permission bits only, whole-second
 *   mtimes; a PAX `x` header (records sorted by key) only for what USTAR cannot hold: long or
 *   non-ASCII names and link targets, uid/gid above 0o7777777, sizes of 8 GiB and more,
 *   millisecond or negative mtimes, and xattrs as `SCHILY.xattr.<name>`;
 * - whiteouts as empty regular files `.wh.<name>`, mode 0o600 (as moby writes them), and an
 *   opaque directory as its entry followed by `<dir>/.wh..wh..opq` (OCI layer.md "Whiteouts");
 * - the second and later names of a hard-linked object as type `1` members pointing at the
 *   first name in sort order (OCI layer.md "Hardlinks");
 * - exactly two zero blocks at the end, like Go's archive/tar (so the empty layer has the
 *   well-known DiffID sha256:5f70bf18…c6ef).
 */
import { DomainError } from '../../errors/index.js';
import { defaultSha256 } from '../../digest/index.js';
import { basename, compareNames, dirname } from '../../path/index.js';
import { BytesContent, concatBytes, type Content } from '../Content.js';
import type { Layer } from '../Layer.js';
import type { LayerInode, Meta } from '../types.js';

const BLOCK = 512;
/** Read-only zeros for padding and the trailer; every view handed out is never written to. */
const ZEROS = new Uint8Array(2 * BLOCK);
const encoder = new TextEncoder();
/** Size of the arrays tarChunks carves headers from. */
const SLAB = 64 * 1024;

/** Largest values the octal USTAR fields hold (7 digits for ids, 11 for size and mtime). */
const MAX_ID = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

const TYPE_FILE = 0x30; // '0'
const TYPE_HARDLINK = 0x31; // '1'
const TYPE_SYMLINK = 0x32; // '2'
const TYPE_DIR = 0x35; // '5'
const TYPE_PAX = 0x78; // 'x'

/** Attributes of the members that stand for markers rather than objects (whiteouts, `.wh..wh..opq`). */
const MARKER_META: Meta = Object.freeze({ mode: 0o600, uid: 0, gid: 0, mtime: 0, xattrs: Object.freeze({}) });
const PAX_META: Meta = Object.freeze({ mode: 0, uid: 0, gid: 0, mtime: 0, xattrs: Object.freeze({}) });

/** One tar member before encoding. */
interface Member {
  /** Full tar name (relative, `/` after directories). */
  readonly name: string;
  readonly typeflag: number;
  readonly meta: Meta;
  readonly linkname: string;
  readonly content: Content | undefined;
  /** The layer path the member comes from, for error messages. */
  readonly path: string;
}

/**
 * The canonical uncompressed tar as chunks, lazily: headers are views of fresh arrays, file
 * data is the content's own chunks (never copied), padding and trailer are shared zeros.
 * Consumers must treat every chunk as read-only.
 */
export function* tarChunks(layer: Layer): Iterable<Uint8Array> {
  const firstName = new Map<LayerInode, string>();
  const members: Member[] = [];
  const push = (member: Member): void => void members.push(member);
  // Headers are carved out of larger slabs: allocating each 512-byte array on its own costs
  // more than writing it. A slab is never reused, so every yielded header stays valid.
  let slab = new Uint8Array(0);
  let slabUsed = 0;
  for (const path of layer.paths()) {
    members.length = 0;
    membersAt(layer, path, firstName, push);
    for (const member of members) {
      const pax = paxData(member);
      const length = headersLength(pax);
      if (slabUsed + length > slab.length) {
        slab = new Uint8Array(Math.max(SLAB, length));
        slabUsed = 0;
      }
      const header = slab.subarray(slabUsed, slabUsed + length);
      slabUsed += length;
      writeHeaders(member, pax, header, 0);
      yield header;
      const content = member.content;
      if (content === undefined || content.size === 0) continue;
      yield* checkedChunks(content, member.path);
      const pad = padding(content.size);
      if (pad > 0) yield ZEROS.subarray(0, pad);
    }
  }
  yield ZEROS;
}

/**
 * Headers and small files are gathered in one buffer before hashing: a hasher call per
 * 512-byte header costs more than hashing it, and layers are often mostly small files.
 */
const BATCH = 256 * 1024;
const COPY_BELOW = 16 * 1024;

/**
 * `sha256:<hex>` of the bytes of `tarChunks(layer)`, streamed through the default hasher.
 * Headers are written straight into the batch buffer; large file data goes to the hasher as
 * it is, never copied.
 */
export function tarDigest(layer: Layer): string {
  const hasher = defaultSha256().create();
  const batch = new Uint8Array(BATCH);
  let used = 0;
  const flush = (): void => {
    if (used > 0) hasher.update(batch.subarray(0, used));
    used = 0;
  };
  const add = (bytes: Uint8Array): void => {
    if (bytes.length >= COPY_BELOW) {
      flush();
      hasher.update(bytes);
      return;
    }
    if (used + bytes.length > BATCH) flush();
    batch.set(bytes, used);
    used += bytes.length;
  };
  const zeros = (n: number): void => {
    if (used + n > BATCH) flush();
    batch.fill(0, used, used + n);
    used += n;
  };
  const write = (member: Member): void => {
    const pax = paxData(member);
    const length = headersLength(pax);
    if (used + length > BATCH) flush();
    if (length > BATCH) {
      const header = new Uint8Array(length);
      writeHeaders(member, pax, header, 0);
      hasher.update(header);
    } else {
      writeHeaders(member, pax, batch, used);
      used += length;
    }
    const content = member.content;
    if (content === undefined || content.size === 0) return;
    if (content instanceof BytesContent) add(content.bytes);
    else for (const chunk of checkedChunks(content, member.path)) add(chunk);
    zeros(padding(content.size));
  };
  const firstName = new Map<LayerInode, string>();
  for (const path of layer.paths()) membersAt(layer, path, firstName, write);
  zeros(2 * BLOCK);
  flush();
  return `sha256:${hasher.digestHex()}`;
}

/**
 * The members for one path of the layer, in canonical order (see the module comment), passed
 * to `emit`; `firstName` remembers the first name of each object (for hard links).
 */
function membersAt(layer: Layer, path: string, firstName: Map<LayerInode, string>, emit: (member: Member) => void): void {
  const node = layer.node(path)!;
  switch (node.kind) {
    case 'dir': {
      // An implicit directory has no member of its own: it exists only for its children.
      if (node.implicit && !node.opaque) return;
      // An implicit opaque directory (a same-layer whiteout with entries below it) is written
      // as the marker alone; the reader turns "marker, no directory member, entries below"
      // back into that shape. The root, or one with nothing below, gets its member too, so
      // the reader can give back a directory that exists without children.
      const dirRel = path === '/' ? '' : path.slice(1) + '/';
      if (!node.implicit || path === '/' || layer.childNames(path).length === 0) {
        emit({ name: dirRel === '' ? './' : dirRel, typeflag: TYPE_DIR, meta: node.meta, linkname: '', content: undefined, path });
      }
      if (node.opaque) {
        // OCI layer.md "Opaque Whiteout": `<dir>/.wh..wh..opq`, right after the directory.
        emit({ name: dirRel + '.wh..wh..opq', typeflag: TYPE_FILE, meta: MARKER_META, linkname: '', content: undefined, path });
      }
      return;
    }
    case 'whiteout': {
      // OCI layer.md "Whiteouts": an empty regular file `.wh.<name>` beside the removed path.
      const parent = dirname(path);
      const name = (parent === '/' ? '' : parent.slice(1) + '/') + '.wh.' + basename(path);
      emit({ name, typeflag: TYPE_FILE, meta: MARKER_META, linkname: '', content: undefined, path });
      return;
    }
    case 'file':
    case 'symlink': {
      const { inode } = node;
      // Same rule as `layer.entries()`: the first name in sort order holds the object. Only
      // objects with several names (nlink counts them) need remembering, which spares the
      // common case a map lookup.
      if (inode.nlink > 1) {
        const first = firstName.get(inode);
        if (first !== undefined) {
          emit({ name: path.slice(1), typeflag: TYPE_HARDLINK, meta: inode.meta, linkname: first.slice(1), content: undefined, path });
          return;
        }
        firstName.set(inode, path);
      }
      if (inode.type === 'file') {
        emit({ name: path.slice(1), typeflag: TYPE_FILE, meta: inode.meta, linkname: '', content: inode.content, path });
      } else {
        emit({ name: path.slice(1), typeflag: TYPE_SYMLINK, meta: inode.meta, linkname: inode.target!, content: undefined, path });
      }
      return;
    }
  }
}

function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** The content's chunks, checking they add up to its declared size (the header already says it). */
function* checkedChunks(content: Content, path: string): Iterable<Uint8Array> {
  let total = 0;
  for (const chunk of content.chunks()) {
    total += chunk.length;
    if (chunk.length > 0) yield chunk;
  }
  if (total !== content.size) {
    throw new DomainError('LayerFormatError', `content of ${path} has ${total} bytes, not its size ${content.size}`, { path });
  }
}

/** Milliseconds as the tar writes them: whole (the model's unit), -0 as 0. */
function mtimeMs(meta: Meta): number {
  return Math.trunc(meta.mtime) || 0;
}

/**
 * The PAX records a member needs, encoded, or `undefined` when USTAR holds everything (the
 * common case, decided without allocating).
 */
function paxData(member: Member): Uint8Array | undefined {
  const { meta, name, linkname, path } = member;
  checkMeta(meta, path);
  const size = member.content === undefined ? 0 : member.content.size;
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
  for (const key of Object.keys(meta.xattrs)) {
    // A PAX keyword ends at the first '=', and no record can hold a NUL in its keyword.
    if (key.includes('=') || key.includes('\0')) {
      throw new DomainError('LayerFormatError', `xattr name ${JSON.stringify(key)} cannot be written to a tar: ${path}`, { path });
    }
    records.push([`SCHILY.xattr.${key}`, meta.xattrs[key]!]);
  }
  return paxRecords(records);
}

/** Whole seconds in the 11-digit octal field; anything else needs a PAX `mtime` record. */
function mtimeFits(ms: number): boolean {
  return ms % 1000 === 0 && ms >= 0 && ms / 1000 <= MAX_OCTAL_11;
}

function headersLength(pax: Uint8Array | undefined): number {
  return pax === undefined ? BLOCK : 2 * BLOCK + pax.length + padding(pax.length);
}

/** The numbers a header needs must be integers a tar can represent at all. */
function checkMeta(meta: Meta, path: string): void {
  if (!isCount(meta.uid) || !isCount(meta.gid) || !Number.isSafeInteger(Math.trunc(meta.mtime)) || !isCount(meta.mode)) {
    throw new DomainError('LayerFormatError', `attributes of ${path} cannot be written to a tar`, { path });
  }
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * The member's headers at `out[at..]`: the PAX `x` member and its padded records (when
 * needed), then the USTAR header. Every byte of the range is written (the buffer may be reused).
 */
function writeHeaders(member: Member, pax: Uint8Array | undefined, out: Uint8Array, at: number): void {
  const { meta, name, linkname } = member;
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
  const size = member.content === undefined ? 0 : member.content.size;
  writeUstar(
    out,
    at,
    split < 0 ? asciiStandIn(name, member.typeflag === TYPE_DIR) : name,
    split,
    linkname.length <= 100 && isAscii(linkname) ? linkname : asciiStandIn(linkname, false),
    member.typeflag,
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
