import type { UpperDir } from '../../cow/index.js';
import type { ErrnoCode } from '../../errors/index.js';
import { compareNames, parsePath } from '../../path/index.js';
import { MAX_SYMLINKS, checkPathLength, nameTooLong, pathTooLong } from './abi.js';
import type { CopyUp } from './CopyUp.js';
import { exists, isDir, kindOf, pathOf, type Dentry, type EntryView, type ObjectKind } from './Dentry.js';
import { fail } from './fail.js';
import type { LowerTree } from './LowerTree.js';
import { mergeEntry } from './merge.js';

export interface DirEntryInfo {
  name: string;
  kind: ObjectKind;
}

/** The parent directory and the unfollowed last component of a path. */
export interface ParentLookup {
  parent: Dentry;
  child: Dentry;
  trailingSlash: boolean;
  /** `.`, `..` or the root as last component: not a name that can be made or removed. */
  special: 'dot' | 'dotdot' | 'root' | undefined;
  /**
   * The last name is over NAME_MAX (`child` is then negative). The kernel's filesystem lookup
   * of the name refuses it (simple_lookup), so each call reports ENAMETOOLONG where it looks
   * the name up (namei.c), after the checks that come first: see `Namespace`.
   */
  tooLong: boolean;
}

/**
 * Path lookup over the upper tree and the merged lower tree: what shows at each name
 * (merge.ts), the kernel's walk with symlinks and `..`, a fast path for plain reads, and the
 * merged directory listing. It changes nothing.
 */
export class Lookup {
  readonly #upperRoot: UpperDir;
  readonly #lower: LowerTree;
  readonly #copies: CopyUp;

  constructor(upperRoot: UpperDir, lower: LowerTree, copies: CopyUp) {
    this.#upperRoot = upperRoot;
    this.#lower = lower;
    this.#copies = copies;
  }

  /** The upper layer's root directory. */
  get upperRoot(): UpperDir {
    return this.#upperRoot;
  }

  root(): Dentry {
    return { parent: null, name: '', upper: this.#upperRoot, lower: this.#lowerRoot(), whiteout: false };
  }

  #lowerRoot(): Dentry['lower'] {
    return this.#lower.layers.length > 0 ? this.#lower.root : undefined;
  }

  /** What shows at `name` inside directory `dir` (a redirected upper directory merges with its redirect). */
  #entryIn(dir: EntryView, name: string): EntryView {
    const u = dir.upper?.kind === 'dir' ? dir.upper.children.get(name) : undefined;
    const l = u?.kind === 'dir' && u.redirect !== undefined ? this.#lower.lookup(u.redirect) : dir.lower?.kind === 'dir' ? dir.lower.children.get(name) : undefined;
    return mergeEntry(u, l);
  }

  /** The entry `name` inside directory `dir`. */
  child(dir: Dentry, name: string): Dentry {
    const m = this.#entryIn(dir, name);
    return { parent: dir, name, upper: m.upper, lower: m.lower, whiteout: m.whiteout };
  }

  /**
   * The dentry at exactly this clean path, every component taken literally: no symlink is
   * followed, so a name reached only through a link is not found (undefined).
   */
  lookupLiteral(path: string): Dentry | undefined {
    let d = this.root();
    for (const name of path.split('/')) {
      if (name === '') continue;
      if (kindOf(d) !== 'dir') return undefined;
      d = this.child(d, name);
      if (!exists(d)) return undefined;
    }
    return d;
  }

  /**
   * Walks `path` as the kernel does: symlinks in the middle always followed, the last one
   * when `followLast` or a trailing slash asks; `..` climbs the dentries actually walked and
   * stops at the root; absolute link targets restart at the overlay root. Returns the final
   * dentry (possibly negative) or an errno, never throwing on the hot path.
   */
  walk(path: string, followLast: boolean, creating = false, whole = true): { d: Dentry; trailingSlash: boolean } | ErrnoCode {
    if (path === '') return 'ENOENT';
    if (whole && pathTooLong(path)) return 'ENAMETOOLONG';
    const parsed = parsePath(path);
    let steps = parsed.steps;
    let trailingSlash = parsed.trailingSlash;
    let cur = this.root();
    let links = 0;
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      if (kindOf(cur) !== 'dir') return 'ENOTDIR';
      if (step === '..') {
        cur = cur.parent ?? cur;
        continue;
      }
      const last = k === steps.length - 1;
      // open(O_CREAT) refuses a last component with a trailing slash before looking it up,
      // also when it comes from a followed symlink's target (namei.c open_last_lookups).
      if (last && creating && trailingSlash) return 'EISDIR';
      if (nameTooLong(step)) return 'ENAMETOOLONG';
      const next = this.child(cur, step);
      if (kindOf(next) === 'symlink' && (!last || followLast || trailingSlash)) {
        if (++links > MAX_SYMLINKS) return 'ELOOP';
        const target = this.symlinkTarget(next);
        const t = parsePath(target);
        if (target.startsWith('/')) cur = this.root();
        if (last && t.trailingSlash) trailingSlash = true;
        // The target's steps take the link's place; what followed the link comes after.
        steps = t.steps.concat(steps.slice(k + 1));
        k = -1;
        continue;
      }
      if (!last && !exists(next)) return 'ENOENT';
      cur = next;
    }
    return { d: cur, trailingSlash };
  }

  /**
   * The hot path of stat, lstat, exists and readFile: a plain absolute path (no `.`, `..`,
   * `//`, trailing slash, nor a symlink on the way; with `followLast` false, the last component
   * may be one, as lstat sees it) walked without dentries. Returns
   * `undefined` when the path needs the full walk. What it finds is a read-only view.
   */
  lookupFast(path: string, followLast = true): EntryView | ErrnoCode | undefined {
    if (path.charCodeAt(0) !== 0x2f || path.length === 1 || pathTooLong(path)) return undefined;
    let view: EntryView = { upper: this.#upperRoot, lower: this.#lowerRoot(), whiteout: false };
    let start = 1;
    const n = path.length;
    for (;;) {
      let end = path.indexOf('/', start);
      if (end < 0) end = n;
      const len = end - start;
      if (len === 0 || (path.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 0x2e)))) return undefined;
      if (kindOf(view) !== 'dir') return 'ENOTDIR';
      const name = path.slice(start, end);
      if (nameTooLong(name)) return undefined;
      view = this.#entryIn(view, name);
      if (!exists(view)) return 'ENOENT';
      if (kindOf(view) === 'symlink' && (followLast || end !== n)) return undefined;
      if (end === n) return view;
      start = end + 1;
      if (start === n) return undefined; // a trailing slash
    }
  }

  /** An existing object, for reading only (stat, exists, readFile). */
  lookupForRead(path: string): EntryView | ErrnoCode {
    return this.lookupFast(path) ?? this.lookup(path, true);
  }

  /** An existing object, the last symlink not followed, for reading only (lstat). */
  lookupForLstat(path: string): EntryView | ErrnoCode {
    return this.lookupFast(path, false) ?? this.lookup(path, false);
  }

  /** An existing object; a trailing slash demands a directory. */
  /** `whole` false: no PATH_MAX check on the whole path (what `realpath` needs). */
  lookup(path: string, followLast = true, whole = true): Dentry | ErrnoCode {
    const r = this.walk(path, followLast, false, whole);
    if (typeof r === 'string') return r;
    if (!exists(r.d)) return 'ENOENT';
    if (r.trailingSlash && !isDir(r.d)) return 'ENOTDIR';
    return r.d;
  }

  lookupOrThrow(path: string, followLast = true): Dentry {
    const d = this.lookup(path, followLast);
    return typeof d === 'string' ? fail(d) : d;
  }

  /**
   * The parent directory and the unfollowed last component, for calls that make or remove
   * names (unlink, rmdir, mkdir, rename, link, symlink): they never follow the last symlink.
   */
  lookupParent(path: string): ParentLookup {
    if (path === '') fail('ENOENT');
    checkPathLength(path);
    const parsed = parsePath(path);
    if (parsed.steps.length === 0) {
      const root = this.root();
      return { parent: root, child: root, trailingSlash: false, special: parsed.lastDot ? 'dot' : 'root', tooLong: false };
    }
    if (parsed.lastDot) {
      // `dir/.`: the directory itself is the "parent", and `.` a name nothing can make or remove.
      const dir = this.lookupOrThrow(path, true);
      return { parent: dir, child: dir, trailingSlash: true, special: 'dot', tooLong: false };
    }
    const steps = parsed.steps;
    const name = steps[steps.length - 1]!;
    const prefix = (path.startsWith('/') ? '/' : '') + steps.slice(0, -1).join('/');
    const parent = prefix === '' ? this.root() : this.lookupOrThrow(prefix + '/', true);
    if (name === '..') return { parent, child: parent.parent ?? parent, trailingSlash: parsed.trailingSlash, special: 'dotdot', tooLong: false };
    if (nameTooLong(name)) {
      const none: Dentry = { parent, name, upper: undefined, lower: undefined, whiteout: false };
      return { parent, child: none, trailingSlash: parsed.trailingSlash, special: undefined, tooLong: true };
    }
    return { parent, child: this.child(parent, name), trailingSlash: parsed.trailingSlash, special: undefined, tooLong: false };
  }

  symlinkTarget(d: EntryView): string {
    const o = this.#copies.objectOf(d);
    if (o.type !== 'symlink') throw new Error('symlinkTarget: not a symlink');
    return o.target;
  }

  readlink(path: string): string {
    const d = this.lookupOrThrow(path, false);
    if (kindOf(d) !== 'symlink') fail('EINVAL');
    return this.symlinkTarget(d);
  }

  /**
   * Node's realpathSync walks in JavaScript, one lstat per prefix: the whole path never reaches
   * the kernel, so only NAME_MAX applies, not PATH_MAX. Before it reads a symlink it stats it,
   * which follows the link whole: a last link whose target ends in `/` must name a directory
   * (test/unit/overlay/realpathLinks.test.ts). The path's own trailing slash is gone by then
   * (its `path.resolve`).
   */
  realpath(path: string): string {
    const d = this.lookup(path, true, false);
    return typeof d === 'string' ? fail(d) : pathOf(d);
  }

  /** Merged readdir (overlayfs.rst "readdir"): upper names, then lower ones not hidden; sorted. */
  readdir(d: EntryView): DirEntryInfo[] {
    if (!isDir(d)) fail('ENOTDIR');
    const out: DirEntryInfo[] = [];
    const u = d.upper?.kind === 'dir' ? d.upper : undefined;
    const l = d.lower?.kind === 'dir' ? d.lower : undefined;
    if (u !== undefined) {
      for (const [name, node] of u.children) if (node.kind !== 'whiteout') out.push({ name, kind: node.kind });
    }
    if (l !== undefined) {
      for (const [name, node] of l.children) if (!u?.children.has(name)) out.push({ name, kind: node.kind });
    }
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  isEmptyDir(d: EntryView): boolean {
    const u = d.upper?.kind === 'dir' ? d.upper : undefined;
    const l = d.lower?.kind === 'dir' ? d.lower : undefined;
    if (u !== undefined) for (const node of u.children.values()) if (node.kind !== 'whiteout') return false;
    if (l !== undefined) for (const name of l.children.keys()) if (!u?.children.has(name)) return false;
    return true;
  }
}
