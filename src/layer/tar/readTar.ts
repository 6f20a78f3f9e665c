/**
 * Reads an OCI layer tar (plain or gzip) into layer entries (OCI image-spec layer.md). The
 * parsing is tar-stream's; this module adds what makes a tar a *layer*: name normalisation and
 * hostile-name checks, whiteouts and opaque markers, PAX attributes, and the resolution of
 * duplicate members into one entry per path.
 *
 * Browser-safe: no `node:` imports; gzip goes through the web-standard `DecompressionStream`.
 */
import { extract as tarExtract } from 'tar-stream';
import type { ExtractEvents, Header } from 'tar-stream';
import { DomainError } from '../../errors/index.js';
import type { LayerEntryInput } from '../types.js';

export type TarInput = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** Prefix of AUFS bookkeeping names (`.wh..wh.plnk`, `.wh..wh.aufs`, `.wh..wh.orph`). */
const AUFS_PREFIX = '.wh..wh.';
const XATTR_PREFIX = 'SCHILY.xattr.';
const EMPTY = new Uint8Array(0);

/**
 * The entries of a layer tar, one per path, ready for `Layer.fromEntries`.
 *
 * Throws `DomainError` `UnsafeTarEntryError` for names or hard-link targets that climb out of
 * the layer with `..`, and `LayerFormatError` for anything malformed or truncated. Errors of
 * the input itself (a failing stream) are passed through unchanged.
 */
export async function readLayerTar(input: TarInput): Promise<LayerEntryInput[]> {
  const collector = new EntryCollector();
  await parseTar(gunzipIfNeeded(byteChunks(input)), (header, data) => collector.add(header, data));
  return collector.finish();
}

// ---------------------------------------------------------------------------------------------
// Input: bytes, async iterables and web streams as one async sequence of chunks.

async function* byteChunks(input: TarInput): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    yield input;
    return;
  }
  if (isReadableStream(input)) {
    // A reader rather than `for await`: not every browser makes ReadableStream async-iterable.
    const reader = input.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      // Stopping early (a format error) cancels the source; a finished stream ignores this.
      reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  yield* input;
}

function isReadableStream(input: TarInput): input is ReadableStream<Uint8Array> {
  return typeof (input as Partial<ReadableStream<Uint8Array>>).getReader === 'function';
}

/** Decompresses when the data starts with the gzip magic `1f 8b` (RFC 1952 §2.3.1). */
async function* gunzipIfNeeded(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  // Look at the first four bytes, which may arrive in separate chunks.
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 4) {
    const next = await chunks.next();
    if (next.done === true) break;
    if (next.value.length === 0) continue;
    head.push(next.value);
    headLength += next.value.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    yield* chunks;
  }
  if (startsWith(head, [0x1f, 0x8b])) {
    yield* gunzip(replay());
    return;
  }
  // OCI allows `+zstd` layers (RFC 8878 magic 28 b5 2f fd), but no web-standard
  // decompressor handles zstd yet.
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) {
    await chunks.return(undefined);
    throw formatError('zstd-compressed layers are not supported; decompress the layer first');
  }
  yield* replay();
}

/** The first chunks begin with `magic` (as far as they go). */
function startsWith(head: readonly Uint8Array[], magic: readonly number[]): boolean {
  let i = 0;
  for (const chunk of head) {
    for (const byte of chunk) {
      if (i === magic.length) return true;
      if (byte !== magic[i++]) return false;
    }
  }
  return i === magic.length;
}

async function* gunzip(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  let sourceError: { error: unknown } | undefined;
  // Feed and drain at once: a write waits while its output is unread (backpressure).
  const feeding = (async () => {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        sourceError = { error };
        await writer.abort(error).catch(() => undefined);
        return;
      }
      try {
        if (next.done === true) {
          await writer.close();
          return;
        }
        // The DOM typings want an ArrayBuffer-backed view; the decompressor only reads it.
        await writer.write(next.value as Uint8Array<ArrayBuffer>);
      } catch {
        // The decompressor failed or was cancelled; the reading side reports why.
        await chunks.return(undefined);
        return;
      }
    }
  })();
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (sourceError !== undefined) throw sourceError.error;
        throw formatError(`gzip data is corrupt or truncated (${message(error)})`);
      }
      if (result.done) break;
      yield result.value;
    }
  } finally {
    // Stopping early cancels the decompressor, which ends the feeder at its next write. It is
    // not awaited: a stalled source could keep it waiting forever, and it never rejects.
    await reader.cancel().catch(() => undefined);
    void feeding;
  }
}

// ---------------------------------------------------------------------------------------------
// Tar members, via tar-stream.

type MemberHandler = (header: Header, data: Uint8Array) => void;
type Extract = ReturnType<typeof tarExtract>;
/** A member's data stream. */
type MemberStream = ExtractEvents['entry'][1];

/**
 * Runs tar-stream over the chunks, calling `onMember` with each member's header (PAX and GNU
 * long names already applied by tar-stream) and data, in order. Every member's data is read to
 * its end before the next member, so the parser never stalls on an undrained entry. (tar-stream's
 * event interface: its async iterators cost several times more per member.)
 */
function parseTar(chunks: AsyncGenerator<Uint8Array>, onMember: MemberHandler): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const extract = tarExtract();
    let settled = false;
    let finished = false;
    let busy = false;
    let sourceError: { error: unknown } | undefined;

    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      if (!extract.destroyed) extract.destroy();
      if (sourceError !== undefined) reject(sourceError.error);
      else if (error instanceof DomainError) reject(error);
      else reject(formatError(`not a valid tar (${message(error)})`));
    };
    // The parser can finish while the last member's handler still waits for its stream's end.
    const settleIfDone = (): void => {
      if (finished && !busy && !settled) {
        settled = true;
        resolve();
      }
    };

    extract.on('entry', (header, stream, next) => {
      busy = true;
      readMember(header, stream, fail, (data) => {
        if (settled) return;
        try {
          onMember(header, data);
        } catch (error) {
          fail(error);
          return;
        }
        busy = false;
        next();
        settleIfDone();
      });
    });
    extract.on('error', fail);
    extract.on('finish', () => {
      finished = true;
      settleIfDone();
    });
    extract.on('close', () => {
      if (!finished) fail(new Error('the tar parser stopped early'));
    });

    // Feed the parser, respecting its backpressure. Never rejects; stops once the parse is
    // settled (an early error), which also ends the source generator.
    void (async () => {
      try {
        for await (const chunk of chunks) {
          if (settled || extract.destroyed) return;
          if (!extract.write(chunk)) await drained(extract);
        }
        if (!settled && !extract.destroyed) extract.end(undefined);
      } catch (error) {
        // Errors of the gzip stage are already typed; anything else is the input's own.
        if (!(error instanceof DomainError)) sourceError = { error };
        fail(error);
      }
    })();
  });
}

/** Resolves once the parser wants more data, or is gone (then the feeder stops). */
function drained(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

/**
 * Above this size a member's array is allocated only once all its data has arrived: a header
 * alone must not make the reader reserve gigabytes (a truncated or hostile tar).
 */
const PREALLOCATE_UP_TO = 64 * 1024 * 1024;

/** Reads a member's data into one array of the size its header declares, then calls `done`. */
function readMember(header: Header, stream: MemberStream, fail: (error: unknown) => void, done: (data: Uint8Array) => void): void {
  const size = header.size;
  if (!Number.isSafeInteger(size) || size < 0) return fail(formatError(`invalid size in the header of ${header.name}`));
  // tar-stream never reads a directory's data (nor ends its stream when the size is not 0):
  // waiting for it would hang. Any such data is then parsed as a header, and fails.
  if (header.type === 'directory') return done(EMPTY);
  // Only regular files keep their data; for other members it is read and dropped.
  const keep = header.type === 'file' || header.type === 'contiguous-file';
  let out: Uint8Array | undefined = keep && size > 0 && size <= PREALLOCATE_UP_TO ? new Uint8Array(size) : undefined;
  const pending: Uint8Array[] = [];
  let pos = 0;
  stream.on('data', (data) => {
    const chunk = data as Uint8Array;
    if (pos + chunk.length > size) return fail(formatError(`member ${header.name} has more data than its size`));
    if (out !== undefined) out.set(chunk, pos);
    else if (keep) pending.push(chunk);
    pos += chunk.length;
  });
  stream.on('end', () => {
    if (pos !== size) return fail(formatError(`member ${header.name} is truncated`));
    if (out === undefined && keep && size > 0) {
      try {
        out = new Uint8Array(size);
      } catch {
        return fail(formatError(`member ${header.name} is too large to hold in memory (${size} bytes)`));
      }
      let at = 0;
      for (const chunk of pending) {
        out.set(chunk, at);
        at += chunk.length;
      }
    }
    done(out ?? EMPTY);
  });
  stream.on('error', fail);
}

// ---------------------------------------------------------------------------------------------
// From members to entries.

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
class EntryCollector {
  /** Objects by path, in the order they were (last) set. */
  readonly #objects = new Map<string, LayerEntryInput>();
  readonly #whiteouts = new Set<string>();
  /** Directories marked opaque by `.wh..wh..opq`. */
  readonly #opaque = new Set<string>();
  /**
   * Paths recorded directly below each directory (objects, whiteouts, opaque markers), so that
   * replacing a directory removes its subtree in time proportional to it.
   */
  readonly #below = new Map<string, Set<string>>();

  add(header: Header, data: Uint8Array): void {
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
      const merged: LayerEntryInput = { path, type: 'dir', mode, uid, gid, mtime };
      if (existing.xattrs !== undefined || attributes.xattrs !== undefined) merged.xattrs = { ...existing.xattrs, ...attributes.xattrs };
      this.#objects.set(path, merged);
      return;
    }
    this.#setObject({ path, type: 'dir', ...attributes });
  }

  #setObject(entry: LayerEntryInput): void {
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

  finish(): LayerEntryInput[] {
    const out: LayerEntryInput[] = [];
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
 * The clean absolute path of a member name: leading `./` and `/` dropped, `.` and empty
 * components removed (ggcr and umoci normalise the same way). `..` is refused outright rather
 * than resolved: a layer member never needs it and it is the classic tar-slip attack.
 * Whiteout prefixes are allowed only on the last component: a directory cannot carry one.
 */
function normalizeName(raw: string, linkFrom?: string): string {
  const parts: string[] = [];
  const components = raw.split('/');
  for (let i = 0; i < components.length; i++) {
    const part = components[i]!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (linkFrom === undefined) {
        throw new DomainError('UnsafeTarEntryError', `member name climbs out of the layer with ..: ${raw}`, { path: raw });
      }
      const text = `hard link target ${JSON.stringify(raw)} climbs out of the layer with ..: ${linkFrom}`;
      throw new DomainError('UnsafeTarEntryError', text, { path: linkFrom, target: raw });
    }
    parts.push(part);
  }
  return '/' + parts.join('/');
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
  for (const [key, value] of [['mode', header.mode], ['uid', attributes.uid], ['gid', attributes.gid]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw formatError(`invalid ${key} in the header`, path);
  }
  if (!Number.isSafeInteger(attributes.mtime)) throw formatError('invalid mtime in the header', path);
  let xattrs: Record<string, string> | undefined;
  for (const key of Object.keys(pax)) {
    if (!key.startsWith(XATTR_PREFIX)) continue;
    xattrs ??= {};
    xattrs[key.slice(XATTR_PREFIX.length)] = pax[key]!;
  }
  if (xattrs !== undefined) attributes.xattrs = xattrs;
  return attributes;
}

function paxInteger(value: string, key: string, path: string): number {
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
function paxTimeMs(value: string, path: string): number {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value);
  if (match === null) throw formatError(`invalid PAX mtime ${JSON.stringify(value)}`, path);
  const seconds = Number(match[2]);
  const ms = Number((match[3] ?? '').slice(0, 3).padEnd(3, '0'));
  const magnitude = seconds * 1000 + ms;
  if (!Number.isSafeInteger(magnitude)) throw formatError('PAX mtime out of range', path);
  return match[1] === '-' ? -magnitude || 0 : magnitude;
}

function formatError(text: string, path?: string): DomainError {
  return path === undefined
    ? new DomainError('LayerFormatError', text)
    : new DomainError('LayerFormatError', `${text}: ${path}`, { path });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
