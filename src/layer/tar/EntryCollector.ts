/**
 * What makes a tar a *layer* (OCI image-spec layer.md): name normalisation and hostile-name
 * checks, whiteouts and opaque markers, PAX attributes, and the resolution of duplicate members
 * into one entry per path.
 */
import type { Header } from 'tar-stream';
import { DomainError } from '../../errors/index.js';
import { metaFault } from '../meta.js';
import { NAME_MAX, cleanPath, nameTooLong } from '../names.js';
import type { LayerEntryInput } from '../types.js';
import type { Content } from '../Content.js';
import { formatError } from './errors.js';
import { AUFS_PREFIX, OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteout.js';

const XATTR_PREFIX = 'SCHILY.xattr.';

/**
 * A layer entry as the tar reader gives it: a file's data is a view into the tar's bytes when
 * it arrived in one piece, or the views it arrived in (`ChunkedContent`), never a copy; with a
 * `DataSink`, the range of the sink it went to.
 */
export type TarEntry = Omit<LayerEntryInput, 'content'> & { content?: Uint8Array | Content };

interface Attributes {
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  xattrs?: Record<string, string>;
}

/**
 * Turns members into one entry per path, the way extracting the tar in order would leave the
 * directory (OCI layer.md "Changeset over existing files"):
 * - a later member replaces an earlier one of the same path, except that a directory over a
 *   directory only takes over the attributes (xattrs are merged, later values winning);
 * - replacing a directory by a non-directory removes what the tar put below it;
 * - whiteouts and opaque markers apply to lower layers only, never to members of this tar,
 *   wherever they stand (OCI layer.md "Whiteouts", "Opaque Whiteout"), so they are collected
 *   apart and resolved at the end.
 */
export class EntryCollector {
  /** Objects by path, in the order they were (last) set. */
  readonly #objects = new Map<string, TarEntry>();
  readonly #whiteouts = new Set<string>();
  /** Directories marked opaque by `.wh..wh..opq`. */
  readonly #opaque = new Set<string>();
  /**
   * Paths recorded directly below each directory (objects, whiteouts, opaque markers), so that
   * replacing a directory removes its subtree in time proportional to it.
   */
  readonly #below = new Map<string, Set<string>>();

  add(header: Header, data: Uint8Array | Content): void {
    const path = normalizeName(header.name);
    const name = path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1);
    const parent = parentOf(path);
    if (parent.includes('/' + WHITEOUT_PREFIX)) {
      // Below an AUFS bookkeeping directory (`.wh..wh.plnk/…`): dropped with it. Any other
      // directory cannot carry the reserved prefix (OCI layer.md "Whiteouts").
      if (parent.includes('/' + AUFS_PREFIX)) return;
      throw formatError('a directory name uses the reserved .wh. prefix', path);
    }

    // Names are what make whiteouts (moby, containerd and umoci look only at the name).
    if (name.startsWith(WHITEOUT_PREFIX)) {
      if (name === OPAQUE_MARKER) {
        this.#opaque.add(parent);
        this.#record(parent);
      } else if (name.startsWith(AUFS_PREFIX)) {
        // AUFS bookkeeping, not part of the filesystem (OCI layer.md; moby whiteouts.go).
      } else {
        const target = name.slice(WHITEOUT_PREFIX.length);
        if (target === '') throw formatError('bare .wh. whiteout without a name', path);
        if (target === '.' || target === '..') {
          throw new DomainError('UnsafeTarEntryError', `whiteout of ${target}: ${path}`, { path });
        }
        const removed = parent === '/' ? `/${target}` : `${parent}/${target}`;
        this.#whiteouts.add(removed);
        this.#record(removed);
      }
      return;
    }

    const attributes = readAttributes(header, path);
    switch (header.type) {
      case 'directory':
        this.#setDir(path, attributes);
        return;
      case 'file':
      case 'contiguous-file':
        this.#setObject({ path, type: 'file', content: data, ...attributes });
        return;
      case 'symlink':
        // Absolute targets are fine: the overlay resolves them inside its own root.
        this.#setObject({ path, type: 'symlink', target: header.linkname ?? '', ...attributes });
        return;
      case 'link':
        this.#setObject({ path, type: 'hardlink', target: normalizeName(header.linkname ?? '', path) });
        return;
      case 'character-device':
      case 'block-device':
      case 'fifo':
        // The layer model has no device or FIFO type yet: these members are skipped.
        return;
      default:
        // GNU sparse files, multi-volume continuations and other extensions: their data is
        // not the file's bytes, so taking them as files would be wrong.
        throw formatError('unsupported tar member type', path);
    }
  }

  #setDir(path: string, attributes: Attributes): void {
    const existing = this.#objects.get(path);
    if (existing !== undefined && (existing.type === 'dir' || existing.type === 'opaque')) {
      // Directory over directory: only the attributes change; xattrs add up as setxattr would.
      const { mode, uid, gid, mtime } = attributes;
      const merged: TarEntry = { path, type: 'dir', mode, uid, gid, mtime };
      if (existing.xattrs !== undefined || attributes.xattrs !== undefined) merged.xattrs = { ...existing.xattrs, ...attributes.xattrs };
      this.#objects.set(path, merged);
      return;
    }
    this.#setObject({ path, type: 'dir', ...attributes });
  }

  #setObject(entry: TarEntry): void {
    const { path } = entry;
    if (path === '/' && entry.type !== 'dir') throw formatError(`the root must be a directory, not a ${entry.type}`, path);
    // Moved to the end of the insertion order, as the latest member.
    this.#objects.delete(path);
    // Extraction unlinks the old path recursively: what the tar put below a directory that a
    // non-directory replaces goes with it, whether the directory had a member of its own or
    // was created as a parent (containerd applyNaive; OCI layer.md "Changeset over existing files").
    if (entry.type !== 'dir') this.#removeBelow(path);
    this.#objects.set(path, entry);
    this.#record(path);
  }

  /** Notes `path` below its parent (the root is below nothing). */
  #record(path: string): void {
    if (path === '/') return;
    const parent = parentOf(path);
    let set = this.#below.get(parent);
    if (set === undefined) this.#below.set(parent, (set = new Set()));
    set.add(path);
  }

  /** Forgets everything recorded below `dir`, and its own opaque marker. */
  #removeBelow(dir: string): void {
    this.#opaque.delete(dir);
    const stack = [dir];
    for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
      const children = this.#below.get(d);
      if (children === undefined) continue;
      this.#below.delete(d);
      for (const child of children) {
        this.#objects.delete(child);
        this.#whiteouts.delete(child);
        this.#opaque.delete(child);
        stack.push(child);
      }
    }
  }

  finish(): TarEntry[] {
    const out: TarEntry[] = [];
    const extraWhiteouts: string[] = [];
    if (this.#opaque.size > 0) {
      // Directories that something in this tar lies below.
      const hasBelow = new Set<string>();
      const addParents = (path: string): void => {
        for (let p = parentOf(path); !hasBelow.has(p); p = parentOf(p)) {
          hasBelow.add(p);
          if (p === '/') break;
        }
      };
      for (const path of this.#objects.keys()) addParents(path);
      for (const path of this.#whiteouts) addParents(path);
      for (const path of this.#opaque) if (path !== '/') addParents(path);

      for (const dir of this.#opaque) {
        const entry = this.#objects.get(dir);
        if (entry === undefined) {
          if (dir !== '/' && hasBelow.has(dir)) {
            // A marker without a directory member, with entries below: the directory exists
            // only for them and takes its attributes from lower layers, hiding their contents.
            // In the layer model that is a whiteout with entries below it (Layer.fromEntries
            // makes it an implicit opaque directory), and the writer writes it back as the
            // marker alone.
            extraWhiteouts.push(dir);
          } else {
            // Nothing else says the directory exists: give it default attributes.
            this.#objects.set(dir, { path: dir, type: 'opaque', mode: 0o755, uid: 0, gid: 0, mtime: 0 });
          }
        } else if (entry.type === 'dir') {
          entry.type = 'opaque';
        } else {
          throw formatError('opaque marker below a non-directory', dir);
        }
      }
    }
    for (const entry of this.#objects.values()) out.push(entry);
    for (const path of new Set([...this.#whiteouts, ...extraWhiteouts])) out.push({ path, type: 'whiteout' });
    return out;
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * The clean absolute path of a member name or hard-link target (names.ts `cleanPath`: inner
 * `..` resolved, as Docker and containerd do). A name that climbs out of the layer is the
 * classic tar-slip attack; one with a component over NAME_MAX could never be looked up.
 */
function normalizeName(raw: string, linkFrom?: string): string {
  const path = cleanPath(raw);
  if (path !== 'escapes') {
    if (nameTooLong(path)) {
      const at = linkFrom ?? raw;
      throw new DomainError('LayerFormatError', `a name component is longer than ${NAME_MAX} bytes: ${at}`, { path: at, errno: 'ENAMETOOLONG' });
    }
    return path;
  }
  if (linkFrom === undefined) {
    throw new DomainError('UnsafeTarEntryError', `member name climbs out of the layer with ..: ${raw}`, { path: raw });
  }
  const text = `hard link target ${JSON.stringify(raw)} climbs out of the layer with ..: ${linkFrom}`;
  throw new DomainError('UnsafeTarEntryError', text, { path: linkFrom, target: raw });
}

/**
 * A member's attributes: USTAR fields, overridden by its PAX records. (PAX global `g` headers
 * are ignored, as containerd does; tar-stream folds their records into a later member's own
 * `x` records, but of those only the keys read here count, which no layer writer puts in a
 * global header. `path`, `linkpath` and `size` were already applied by tar-stream.)
 */
function readAttributes(header: Header, path: string): Attributes {
  const pax = (header.pax ?? {}) as Record<string, string>;
  const attributes: Attributes = {
    mode: header.mode & 0o7777,
    uid: pax['uid'] !== undefined ? paxInteger(pax['uid'], 'uid', path) : header.uid,
    gid: pax['gid'] !== undefined ? paxInteger(pax['gid'], 'gid', path) : header.gid,
    mtime: pax['mtime'] !== undefined ? paxTimeMs(pax['mtime'], path) : header.mtime.getTime(),
  };
  // The mode field must have decoded to a number at all; the rest is the layer's one rule
  // for attributes (meta.ts).
  if (!Number.isSafeInteger(header.mode) || header.mode < 0) throw formatError('invalid mode in the header', path);
  const fault = metaFault(attributes);
  if (fault !== undefined) throw formatError(`invalid ${fault.key} in the header`, path);
  let xattrs: Record<string, string> | undefined;
  for (const key of Object.keys(pax)) {
    if (!key.startsWith(XATTR_PREFIX)) continue;
    xattrs ??= {};
    xattrs[key.slice(XATTR_PREFIX.length)] = pax[key]!;
  }
  if (xattrs !== undefined) attributes.xattrs = xattrs;
  return attributes;
}

export function paxInteger(value: string, key: string, path: string): number {
  if (!/^\d+$/.test(value)) throw formatError(`invalid PAX ${key} ${JSON.stringify(value)}`, path);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw formatError(`PAX ${key} out of range`, path);
  return n;
}

/**
 * PAX `mtime` (`[-]seconds[.fraction]`, POSIX pax "mtime") in whole milliseconds: the
 * fraction past milliseconds is dropped (truncated toward zero), exactly, without going
 * through a binary float.
 */
export function paxTimeMs(value: string, path: string): number {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value);
  if (match === null) throw formatError(`invalid PAX mtime ${JSON.stringify(value)}`, path);
  const seconds = Number(match[2]);
  const ms = Number((match[3] ?? '').slice(0, 3).padEnd(3, '0'));
  const magnitude = seconds * 1000 + ms;
  if (!Number.isSafeInteger(magnitude)) throw formatError('PAX mtime out of range', path);
  return match[1] === '-' ? -magnitude || 0 : magnitude;
}

