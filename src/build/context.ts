/**
 * Where COPY and ADD read from: the build context (any fs-like object: a host directory, an
 * in-memory tree in a browser, an overlay's `fs`), filtered by `.dockerignore`, or another
 * stage's or image's filesystem (`--from`). Both are a `SourceTree`, which also gives each
 * path its content key (issue 12, "The cache", COPY/ADD).
 */
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';
import { sha256Digest } from '../digest/index.js';
import { cleanPath } from '../path/index.js';

/** The calls a build makes on a context: Node's sync `fs` names, paths absolute from the context root. */
export interface BuildContextFs {
  lstatSync(path: string): { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; mode: number; size: number; uid?: number; gid?: number };
  readdirSync(path: string): string[];
  readFileSync(path: string): Uint8Array;
  readlinkSync(path: string): string;
}

export type EntryKind = 'file' | 'dir' | 'symlink';

export interface SourceEntry {
  path: string;
  kind: EntryKind;
  /** Permission bits and setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  size: number;
  uid: number;
  gid: number;
  target?: string;
}

/** One file's record in a cache entry: kind, mode, size, link target and data hash, for explaining a miss. */
export type FileRecord = string;

const encoder = new TextEncoder();

/** At most this many bytes of a step's sources are kept between keying and copying (then read again). */
const RETAIN_BYTES = 256 * 1024 * 1024;

// The package is CommonJS (`module.exports = factory`) with a d.ts that declares a default
// export: Node's ESM loader hands the factory itself, a bundler may wrap it in `default`.
const ignore = ((dockerignoreModule as unknown as { default?: unknown }).default ?? dockerignoreModule) as unknown as () => Ignore;

/**
 * A filesystem to copy from, with content keys memoised per path. The content key covers
 * name, mode, type, link target, size and bytes, not mtime; a directory's key is its own header
 * plus its children's keys in byte order (issue 12, COPY/ADD).
 */
export class SourceTree {
  readonly #fs: BuildContextFs;
  readonly #ignored: ((path: string) => boolean) | undefined;
  /** Context files count as uid/gid 0 (BuildKit does the same for the local context). */
  readonly #rootOwned: boolean;
  readonly #keys = new Map<string, string>();
  readonly #children = new Map<string, string[]>();
  readonly #entries = new Map<string, SourceEntry | null>();
  readonly #data = new Map<string, string>();
  /**
   * Bytes read for a content key, kept until the step that keyed them copies them (`read`) or
   * ends (`release`): a COPY that misses reads each file once, as `sha256sum` would, instead of
   * once to key and again to copy (bench/sections/build.mjs). Bounded by RETAIN_BYTES.
   */
  readonly #retained = new Map<string, Uint8Array>();
  #retainedBytes = 0;
  readonly describe: string;

  constructor(fs: BuildContextFs, options: { ignored?: (path: string) => boolean; rootOwned?: boolean; describe: string }) {
    this.#fs = fs;
    this.#ignored = options.ignored;
    this.#rootOwned = options.rootOwned ?? false;
    this.describe = options.describe;
  }

  /** A path's entry, or `undefined` when it is missing or ignored. */
  entry(path: string): SourceEntry | undefined {
    const clean = cleanPath(path);
    let e = this.#entries.get(clean);
    if (e === undefined) {
      e = this.#read(clean);
      this.#entries.set(clean, e);
    }
    return e ?? undefined;
  }

  #read(path: string): SourceEntry | null {
    if (path !== '/' && this.#ignored?.(path.slice(1)) === true && !this.#hasKeptDescendant(path)) return null;
    let st: ReturnType<BuildContextFs['lstatSync']>;
    try {
      st = this.#fs.lstatSync(path);
    } catch {
      return null;
    }
    const kind: EntryKind | undefined = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : undefined;
    if (kind === undefined) return null;
    const entry: SourceEntry = {
      path,
      kind,
      mode: st.mode & 0o7777,
      size: kind === 'file' ? st.size : 0,
      uid: this.#rootOwned ? 0 : (st.uid ?? 0),
      gid: this.#rootOwned ? 0 : (st.gid ?? 0),
    };
    if (kind === 'symlink') entry.target = this.#fs.readlinkSync(path);
    return entry;
  }

  /** An ignored directory still holds the files an exception (`!pattern`) keeps. */
  #hasKeptDescendant(path: string): boolean {
    if (this.#ignored === undefined) return false;
    let st;
    try {
      st = this.#fs.lstatSync(path);
    } catch {
      return false;
    }
    if (!st.isDirectory()) return false;
    for (const name of this.#fs.readdirSync(path)) {
      const child = path === '/' ? `/${name}` : `${path}/${name}`;
      if (!this.#ignored(child.slice(1)) || this.#hasKeptDescendant(child)) return true;
    }
    return false;
  }

  /** A directory's children that are not ignored, in byte order. */
  children(path: string): string[] {
    const clean = cleanPath(path);
    let names = this.#children.get(clean);
    if (names === undefined) {
      names = this.#fs
        .readdirSync(clean)
        .map(String)
        .filter((name) => this.entry(clean === '/' ? `/${name}` : `${clean}/${name}`) !== undefined)
        .sort(compareBytes);
      this.#children.set(clean, names);
    }
    return names;
  }

  read(path: string): Uint8Array {
    const clean = cleanPath(path);
    const kept = this.#retained.get(clean);
    if (kept !== undefined) return kept;
    return this.#fs.readFileSync(clean);
  }

  /** Drops the bytes kept since keying (see #retained): at the end of each COPY step. */
  release(): void {
    this.#retained.clear();
    this.#retainedBytes = 0;
  }

  /** The sha256 of a file's bytes. */
  dataHash(path: string): string {
    let hash = this.#data.get(path);
    if (hash === undefined) {
      const bytes = this.read(path);
      hash = sha256Digest(bytes);
      this.#data.set(path, hash);
      if (this.#retainedBytes + bytes.length <= RETAIN_BYTES) {
        this.#retained.set(cleanPath(path), bytes);
        this.#retainedBytes += bytes.length;
      }
    }
    return hash;
  }

  /** The path's content key, its name taken as `name` (a source is keyed under the name it is copied as). */
  key(path: string, name: string): string {
    const clean = cleanPath(path);
    const memo = `${name}\u0000${clean}`;
    const known = this.#keys.get(memo);
    if (known !== undefined) return known;
    const e = this.entry(clean)!;
    const parts: Uint8Array[] = [encoder.encode(`${e.kind}\u0000${name}\u0000${e.mode.toString(8)}\u0000${e.uid}:${e.gid}\u0000${e.size}\u0000${e.target ?? ''}\u0000`)];
    if (e.kind === 'file') parts.push(encoder.encode(this.dataHash(clean)));
    if (e.kind === 'dir') for (const child of this.children(clean)) parts.push(encoder.encode(this.key(join(clean, child), child)));
    const key = sha256Digest(parts);
    this.#keys.set(memo, key);
    return key;
  }

  /** Every file under `path` (itself included) as relative path → record, for explaining misses; the context root is `.`. */
  records(path: string, as: string, out: Record<string, FileRecord>): void {
    const e = this.entry(path);
    if (e === undefined) return;
    const data = e.kind === 'file' ? this.dataHash(e.path).slice(7, 23) : '';
    out[as] = `${e.kind} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.size} ${data} ${e.target ?? ''}`;
    if (e.kind === 'dir') for (const child of this.children(path)) this.records(join(path, child), as === '.' ? child : `${as}/${child}`, out);
  }

  /**
   * The paths a COPY source names: itself, or for a pattern (`*`, `?`, `[...]` in any
   * segment, Go's filepath.Match as Docker uses it) every path it matches, in byte order.
   */
  match(source: string): string[] {
    const clean = cleanPath(`/${source}`);
    if (!/[*?[]/.test(clean)) return this.entry(clean) === undefined ? [] : [clean];
    const segments = clean.split('/').filter((s) => s !== '');
    let found = ['/'];
    for (const segment of segments) {
      const next: string[] = [];
      const pattern = /[*?[]/.test(segment) ? globRegExp(segment) : undefined;
      for (const dir of found) {
        const e = this.entry(dir);
        if (e?.kind !== 'dir') continue;
        if (pattern === undefined) {
          const p = join(dir, segment);
          if (this.entry(p) !== undefined) next.push(p);
        } else for (const name of this.children(dir)) if (pattern.test(name)) next.push(join(dir, name));
      }
      found = next;
    }
    return found.sort(compareBytes);
  }
}

export function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export function compareBytes(a: string, b: string): number {
  // UTF-16 order equals UTF-8 byte order except where a surrogate (U+D800-DFFF) meets a code
  // unit above it: decide by code units up to the first difference, by bytes only there.
  const n0 = Math.min(a.length, b.length);
  let i = 0;
  while (i < n0 && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n0) return a.length - b.length;
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  if (ca < 0xd800 && cb < 0xd800) return ca - cb;
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Go's filepath.Match for one segment: `*`, `?`, `[...]` (with `^` or `!`), `\` escapes. */
export function globRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, end);
        if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** The `.dockerignore` matcher (Docker's patterns: `**`, `!` exceptions, a leading `/`), via @balena/dockerignore. */
export function dockerignore(text: string | undefined): ((path: string) => boolean) | undefined {
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) return undefined;
  const matcher: Ignore = ignore().add(lines);
  return (path) => matcher.ignores(path);
}

/** The build context as a source tree, with its `.dockerignore` applied. */
export function contextTree(fs: BuildContextFs): SourceTree {
  let text: string | undefined;
  try {
    text = new TextDecoder().decode(fs.readFileSync('/.dockerignore'));
  } catch {
    text = undefined;
  }
  const ignored = dockerignore(text);
  return new SourceTree(fs, { ...(ignored === undefined ? {} : { ignored }), rootOwned: true, describe: 'build context' });
}

/** A context from a plain object of files (a browser, a test): path → text, bytes, or `{ content, mode }` / `{ symlink }`. */
export function memoryContext(files: Record<string, string | Uint8Array | { content: string | Uint8Array; mode?: number } | { symlink: string }>): BuildContextFs {
  const nodes = new Map<string, { kind: EntryKind; mode: number; data: Uint8Array; target?: string }>();
  nodes.set('/', { kind: 'dir', mode: 0o755, data: new Uint8Array() });
  for (const [rawPath, value] of Object.entries(files)) {
    const path = cleanPath(`/${rawPath}`);
    const parts = path.split('/').filter((s) => s !== '');
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!nodes.has(dir)) nodes.set(dir, { kind: 'dir', mode: 0o755, data: new Uint8Array() });
    }
    if (rawPath.endsWith('/')) nodes.set(path, { kind: 'dir', mode: 0o755, data: new Uint8Array() });
    else if (typeof value === 'string' || value instanceof Uint8Array) nodes.set(path, { kind: 'file', mode: 0o644, data: bytes(value) });
    else if ('symlink' in value) nodes.set(path, { kind: 'symlink', mode: 0o777, data: new Uint8Array(), target: value.symlink });
    else nodes.set(path, { kind: 'file', mode: value.mode ?? 0o644, data: bytes(value.content) });
  }
  const get = (path: string) => {
    const node = nodes.get(cleanPath(path));
    if (node === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: 'ENOENT' });
    return node;
  };
  return {
    lstatSync: (path) => {
      const n = get(path);
      return { isFile: () => n.kind === 'file', isDirectory: () => n.kind === 'dir', isSymbolicLink: () => n.kind === 'symlink', mode: n.mode, size: n.data.length };
    },
    readdirSync: (path) => {
      const dir = cleanPath(path);
      const prefix = dir === '/' ? '/' : `${dir}/`;
      return [...nodes.keys()].filter((p) => p !== dir && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length));
    },
    readFileSync: (path) => get(path).data,
    readlinkSync: (path) => get(path).target ?? '',
  };
}

function bytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}
