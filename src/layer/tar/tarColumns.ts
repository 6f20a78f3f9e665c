/**
 * A layer tar's columns (columns.ts) straight from its member headers, for a whole-image pass
 * over an archive (`overlay analyze image.tar`): no entry, node or inode objects, and file data
 * left where it is. Most layer tars name each path once; this takes those, and throws
 * `OutsideSubset` at anything that needs EntryCollector's or `buildNodes`'s rules to resolve (a
 * path named twice, a whiteout beside or above an entry of the same tar, an entry below a file,
 * an opaque marker without its directory, a link to a link, an attribute those would refuse),
 * so that the caller builds the layer the general way, whose answer or error is the reference:
 * where both answer, the columns are the same (test/unit/layer/indexTar.test.ts).
 */
import { compareNames, dirname, hasSurrogates } from '../../path/index.js';
import { ROW_DIR, ROW_FILE, ROW_IMPLICIT, ROW_OPAQUE, ROW_SYMLINK, ROW_WHITEOUT, type LayerColumns } from '../columns.js';
import { EMPTY_CONTENT, RangeContent, type Content, type PositionedReader } from '../Content.js';
import { DEFAULT_MODE } from '../meta.js';
import { cleanPath, nameTooLong } from '../names.js';
import { paxInteger, paxTimeMs } from './EntryCollector.js';
import { OutsideSubset, type MemberFields } from './subsetHeader.js';
import { AUFS_PREFIX, OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteout.js';

const DIR = 0;
const FILE = 1;
const SYMLINK = 2;
const LINK = 3;
const WHITEOUT = 4;
const IMPLICIT = 5;

const XATTR_PREFIX = 'SCHILY.xattr.';
const WHITEOUT_MARK = '/' + WHITEOUT_PREFIX;

/** The clean path of a name (EntryCollector's `normalizeName`, `entryPath`), or `OutsideSubset` where those throw. */
function clean(raw: string): string {
  if (raw.includes('\0')) throw new OutsideSubset();
  const path = cleanPath(raw);
  if (path === 'escapes' || nameTooLong(path)) throw new OutsideSubset();
  return path;
}

/** Numbers of a row: kind, mode, uid, gid, and for a file the offset and size of its data (a link: its target's row in OFFSET). */
const KIND = 0;
const MODE = 1;
const UID = 2;
const GID = 3;
const OFFSET = 4;
const SIZE = 5;
const STRIDE = 6;

/**
 * Rows as members arrive, in tar order, their numbers in one growing array (a row is a path
 * and six numbers, not an object); `finish` sorts them into columns.
 */
export class TarColumns {
  readonly #paths: string[] = [];
  #numbers = new Float64Array(STRIDE * 1024);
  /** Symlinks' targets, and hard links' target paths, by row. */
  readonly #targets = new Map<number, string>();
  readonly #rows = new Map<string, number>();
  readonly #opaque: string[] = [];

  constructor(private readonly reader: PositionedReader) {}

  #kind(row: number): number {
    return this.#numbers[row * STRIDE + KIND]!;
  }

  /** One member of the tar, its data `fields.size` bytes at `dataAt`. */
  add(fields: MemberFields, dataAt: number): void {
    const path = clean(fields.name);
    // Whiteouts, opaque markers and `.wh.` directories all have `/.wh.` in their path.
    if (path.includes(WHITEOUT_MARK)) {
      const name = path.slice(path.lastIndexOf('/') + 1);
      const parent = dirname(path);
      // Below a `.wh.` directory: dropped (AUFS) or refused, as EntryCollector decides.
      if (parent.includes(WHITEOUT_MARK)) throw new OutsideSubset();
      if (name === OPAQUE_MARKER) this.#opaque.push(parent);
      else if (!name.startsWith(AUFS_PREFIX)) {
        const target = name.slice(WHITEOUT_PREFIX.length);
        if (target === '' || target === '.' || target === '..') throw new OutsideSubset();
        this.#row(parent === '/' ? `/${target}` : `${parent}/${target}`, WHITEOUT, 0, 0, 0);
      }
      return;
    }
    let { uid, gid } = fields;
    const { pax } = fields;
    if (pax !== undefined) {
      // The attributes EntryCollector's `readAttributes` takes from PAX records, checked as it checks them.
      try {
        if (pax['uid'] !== undefined) uid = paxInteger(pax['uid'], 'uid', path);
        if (pax['gid'] !== undefined) gid = paxInteger(pax['gid'], 'gid', path);
        if (pax['mtime'] !== undefined) paxTimeMs(pax['mtime'], path);
      } catch {
        throw new OutsideSubset();
      }
      // An xattr name must be one a tar can carry again (meta.ts `metaFault`).
      for (const key in pax) if (key.startsWith(XATTR_PREFIX) && (key === XATTR_PREFIX || key.includes('\0'))) throw new OutsideSubset();
    }
    const mode = fields.mode & 0o7777;
    switch (fields.type) {
      case 'directory':
        this.#row(path, DIR, mode, uid, gid);
        return;
      case 'file':
      case 'contiguous-file': {
        const at = this.#row(path, FILE, mode, uid, gid) * STRIDE;
        this.#numbers[at + OFFSET] = dataAt;
        this.#numbers[at + SIZE] = fields.size;
        return;
      }
      case 'symlink':
        if (fields.linkname === null || fields.linkname === '') throw new OutsideSubset();
        this.#targets.set(this.#row(path, SYMLINK, mode, uid, gid), fields.linkname);
        return;
      case 'link':
        this.#targets.set(this.#row(path, LINK, 0, 0, 0), clean(fields.linkname ?? ''));
        return;
      default:
        throw new OutsideSubset();
    }
  }

  #row(path: string, kind: number, mode: number, uid: number, gid: number): number {
    // A path named twice (members replacing members, whiteouts beside entries) is EntryCollector's.
    if (path === '/' && kind !== DIR && kind !== IMPLICIT) throw new OutsideSubset();
    const rows = this.#rows;
    const known = rows.size;
    const row = this.#paths.length;
    // One hash lookup: a set that does not grow the map found the path there (the tar is then left).
    if (rows.set(path, row).size === known) throw new OutsideSubset();
    this.#paths.push(path);
    let numbers = this.#numbers;
    if ((row + 1) * STRIDE > numbers.length) {
      numbers = new Float64Array(numbers.length * 2);
      numbers.set(this.#numbers);
      this.#numbers = numbers;
    }
    const at = row * STRIDE;
    numbers[at + KIND] = kind;
    numbers[at + MODE] = mode;
    numbers[at + UID] = uid;
    numbers[at + GID] = gid;
    return row;
  }

  finish(): LayerColumns {
    const rows = this.#rows;
    // A hard link names a file or symlink of the same tar, which carries its attributes.
    const explicit = this.#paths.length;
    for (const [row, path] of this.#targets) {
      if (this.#kind(row) !== LINK) continue;
      const target = rows.get(path);
      if (target === undefined || (this.#kind(target) !== FILE && this.#kind(target) !== SYMLINK)) throw new OutsideSubset();
      this.#numbers[row * STRIDE + OFFSET] = target;
    }
    for (let row = 0; row < explicit; row++) this.#addParents(this.#paths[row]!);
    // An opaque marker makes its directory opaque. Without a member of its own, the directory
    // is implicit when something of the tar lies below it, and has default attributes when not
    // (EntryCollector.finish); deepest first, so that a marker's directory is known to be below another's.
    const opaque = new Set<number>();
    for (const dir of [...new Set(this.#opaque)].sort((a, b) => b.length - a.length)) {
      let row = rows.get(dir);
      if (row === undefined) {
        if (dir === '/') throw new OutsideSubset();
        row = this.#row(dir, DIR, DEFAULT_MODE.dir, 0, 0);
        this.#addParents(dir);
      } else if (this.#kind(row) !== DIR && this.#kind(row) !== IMPLICIT) throw new OutsideSubset();
      opaque.add(row);
    }
    const paths = this.#paths.slice().sort();
    if (paths.some(hasSurrogates)) paths.sort(compareNames);
    return this.#columns(paths, opaque);
  }

  /**
   * The directories on the path to `path`, implicit where the tar has no member for them; an
   * entry below a file, a symlink or a whiteout of the same tar is for `completeParents` to
   * refuse or resolve.
   */
  #addParents(path: string): void {
    if (path === '/') return;
    const rows = this.#rows;
    for (let parent = dirname(path); ; parent = dirname(parent)) {
      const known = rows.get(parent);
      if (known !== undefined) {
        const kind = this.#kind(known);
        if (kind === DIR || kind === IMPLICIT) return;
        throw new OutsideSubset();
      }
      this.#row(parent, IMPLICIT, DEFAULT_MODE.dir, 0, 0);
      if (parent === '/') return;
    }
  }

  /** The columns of the sorted `paths`, objects and attribute sets numbered as `columnsOfNodes` numbers them. */
  #columns(paths: string[], opaque: ReadonlySet<number>): LayerColumns {
    const n = paths.length;
    const numbers = this.#numbers;
    const kinds = new Uint8Array(n);
    const metas = new Uint32Array(n);
    const objects = new Int32Array(n).fill(-1);
    const attributes = new AttributeSets(numbers);
    /** Each file's or symlink's object, by row (+1; 0 for none yet). */
    const objectOf = new Int32Array(n);
    const objectRows: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = this.#rows.get(paths[i]!)!;
      const kind = numbers[row * STRIDE + KIND];
      if (kind === DIR || kind === IMPLICIT) {
        kinds[i] = ROW_DIR | (kind === IMPLICIT ? ROW_IMPLICIT : 0) | (opaque.has(row) ? ROW_OPAQUE : 0);
        metas[i] = attributes.of(row);
      } else if (kind === WHITEOUT) {
        kinds[i] = ROW_WHITEOUT;
      } else {
        const data = kind === LINK ? numbers[row * STRIDE + OFFSET]! : row;
        kinds[i] = numbers[data * STRIDE + KIND] === FILE ? ROW_FILE : ROW_SYMLINK;
        metas[i] = attributes.of(data);
        if (objectOf[data] === 0) objectOf[data] = objectRows.push(data);
        objects[i] = objectOf[data]! - 1;
      }
    }
    const objectSizes = new Float64Array(objectRows.length);
    let bytes = 0;
    for (let o = 0; o < objectRows.length; o++) bytes += objectSizes[o] = numbers[objectRows[o]! * STRIDE + SIZE]!;
    const { reader } = this;
    const targets = this.#targets;
    return {
      paths,
      kinds,
      metas,
      metaModes: Float64Array.from(attributes.modes),
      metaUids: Float64Array.from(attributes.uids),
      metaGids: Float64Array.from(attributes.gids),
      objects,
      objectSizes,
      bytes,
      content: (o): Content => {
        const row = objectRows[o];
        if (row === undefined || objectSizes[o] === 0) return EMPTY_CONTENT;
        return new RangeContent(reader, numbers[row * STRIDE + OFFSET]!, objectSizes[o]!);
      },
      target: (o) => {
        const row = objectRows[o];
        return row !== undefined && numbers[row * STRIDE + KIND] === SYMLINK ? targets.get(row)! : '';
      },
    };
  }
}

/**
 * The distinct (mode, uid, gid) of rows, numbered in the order first met. A class, where a
 * closure made per layer would give the optimised caller a new call target each time.
 */
class AttributeSets {
  readonly modes: number[] = [];
  readonly uids: number[] = [];
  readonly gids: number[] = [];
  readonly #ids = new Map<number | string, number>();

  constructor(private readonly numbers: Float64Array) {}

  of(row: number): number {
    const at = row * STRIDE;
    const mode = this.numbers[at + MODE]!;
    const uid = this.numbers[at + UID]!;
    const gid = this.numbers[at + GID]!;
    // One number for the common ids (mode < 2^12, ids < 2^20: 52 bits), text otherwise.
    const key = uid < 2 ** 20 && gid < 2 ** 20 ? mode * 2 ** 40 + uid * 2 ** 20 + gid : `${mode}:${uid}:${gid}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      this.#ids.set(key, (id = this.modes.push(mode) - 1));
      this.uids.push(uid);
      this.gids.push(gid);
    }
    return id;
  }
}
