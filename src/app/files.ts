/**
 * Files of a mounted view or container, as the file verbs use them: list, read, write, make
 * directories, move, link, change modes and times, remove. Each works on the `Overlay` of a
 * view (`openView`) or of a container being edited (`editContainer`).
 */
import { FsError } from '../errors/index.js';
import { basename, dirname } from '../path/index.js';
import type { Overlay, Stats } from '../overlay/index.js';

/**
 * Runs a file operation on `path`; an error from deeper down that lost track of the path (a
 * read of a directory fails in `read`, not in `open`) gets it back, for a one-line message.
 */
export function onPath<T>(path: string, fn: () => T, dest?: string): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof FsError && error.path === undefined) error.withContext(error.syscall ?? 'open', path, dest);
    throw error;
  }
}

export interface Listed {
  /** Relative to the listed directory (`a/b` with `recursive`), or the path for a file. */
  name: string;
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  mtime: string;
  target?: string;
}

function typeOf(st: Stats): Listed['type'] {
  return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
}

function describe(overlay: Overlay, path: string, name: string): Listed {
  const st = overlay.fs.lstatSync(path)!;
  const item: Listed = {
    name,
    path,
    type: typeOf(st),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    nlink: st.nlink,
    mtime: new Date(st.mtimeMs).toISOString(),
  };
  if (item.type === 'symlink') item.target = overlay.fs.readlinkSync(path) as string;
  return item;
}

/** `overlay ls`: a directory's entries sorted by name (with `recursive`, depth first), or one file. */
export function listDirectory(overlay: Overlay, path: string, options: { recursive?: boolean } = {}): Listed[] {
  const st = overlay.fs.statSync(path)!;
  if (!st.isDirectory()) return [describe(overlay, path, path)];
  const out: Listed[] = [];
  const walk = (dir: string, prefix: string): void => {
    const names = (overlay.fs.readdirSync(dir) as string[]).sort();
    for (const name of names) {
      const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const item = describe(overlay, full, prefix + name);
      out.push(item);
      if (options.recursive === true && item.type === 'dir') walk(full, `${prefix}${name}/`);
    }
  };
  walk(path, '');
  return out;
}

/** A name as plain `ls` shows it: its kind, and a symlink's target. */
export interface ListedName {
  name: string;
  type: Listed['type'];
  target?: string;
}

/**
 * `overlay ls` without `-l`: the names, from the directory entries' types alone (as `ls` does
 * without `-l`: no `lstat` per entry), in the order of `listDirectory`.
 */
export function listNames(overlay: Overlay, path: string, options: { recursive?: boolean } = {}): ListedName[] {
  const st = overlay.fs.statSync(path)!;
  if (!st.isDirectory()) {
    const item = describe(overlay, path, path);
    return [{ name: item.name, type: item.type, ...(item.target === undefined ? {} : { target: item.target }) }];
  }
  const out: ListedName[] = [];
  const walk = (dir: string, prefix: string): void => {
    const entries = overlay.fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = dir === '/' ? `/${entry.name}` : `${dir}/${entry.name}`;
      const type: Listed['type'] = entry.isDirectory() ? 'dir' : entry.isSymbolicLink() ? 'symlink' : entry.isFile() ? 'file' : 'other';
      const item: ListedName = { name: prefix + entry.name, type };
      if (type === 'symlink') item.target = overlay.fs.readlinkSync(full) as string;
      out.push(item);
      if (options.recursive === true && type === 'dir') walk(full, `${prefix}${entry.name}/`);
    }
  };
  walk(path, '');
  return out;
}

/** `overlay cat`: a file's bytes. */
export function readFileAt(overlay: Overlay, path: string): Uint8Array {
  return onPath(path, () => overlay.fs.readFileSync(path) as Uint8Array);
}

/** `overlay write` / `append`: with `parents`, missing directories are made first. */
export function writeFileAt(overlay: Overlay, path: string, data: Uint8Array, options: { append?: boolean; mode: number; parents?: boolean }): void {
  if (options.parents === true) overlay.fs.mkdirSync(dirname(path), { recursive: true });
  onPath(path, () => {
    if (options.append === true) overlay.fs.appendFileSync(path, data, { mode: options.mode });
    else overlay.fs.writeFileSync(path, data, { mode: options.mode });
  });
}

/** `overlay mkdir`; `mode()` gives the permission bits to set afterwards, if any. */
export function makeDirectories(overlay: Overlay, paths: readonly string[], options: { parents?: boolean; mode?: () => number }): void {
  for (const path of paths) {
    overlay.fs.mkdirSync(path, { recursive: options.parents === true, mode: 0o777 });
    if (options.mode !== undefined) overlay.fs.chmodSync(path, options.mode());
  }
}

/** `overlay chmod`: `mode(current, isDir)` gives each path's new permission bits. */
export function changeModes(overlay: Overlay, paths: readonly string[], mode: (current: number, isDir: boolean) => number): void {
  for (const path of paths) {
    const st = overlay.fs.statSync(path)!;
    overlay.fs.chmodSync(path, mode(st.mode & 0o7777, st.isDirectory()));
  }
}

/** `overlay touch`: creates missing files, sets the times of the others (seconds). */
export function touchPaths(overlay: Overlay, paths: readonly string[], seconds: number): void {
  for (const path of paths) {
    if (overlay.fs.existsSync(path)) overlay.fs.utimesSync(path, seconds, seconds);
    else overlay.fs.writeFileSync(path, new Uint8Array(0), { flag: 'a' });
  }
}

/** `overlay ln`: a symbolic link holding `target` as given, or a hard link to `target`. */
export function linkPath(overlay: Overlay, target: string, link: string, symbolic: boolean): void {
  if (symbolic) overlay.fs.symlinkSync(target, link);
  else overlay.fs.linkSync(target, link);
}

/** `overlay rm C /PATH...`: like rm(1), directories only with `recursive`. */
export function removePaths(overlay: Overlay, paths: readonly string[], options: { recursive?: boolean; force?: boolean }): void {
  for (const path of paths) {
    if (options.recursive !== true && overlay.fs.lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new FsError('EISDIR', 'rm', path);
    }
    overlay.fs.rmSync(path, { recursive: options.recursive === true, force: options.force === true });
  }
}

/** Copies a tree inside the view (what mv(1) does when rename(2) says EXDEV). */
function copyTree(overlay: Overlay, from: string, to: string): void {
  const fs = overlay.fs;
  const st = fs.lstatSync(from)!;
  if (st.isDirectory()) {
    fs.mkdirSync(to, { mode: st.mode & 0o7777 });
    for (const name of (fs.readdirSync(from) as string[]).sort()) copyTree(overlay, `${from}/${name}`, `${to}/${name}`);
    fs.chmodSync(to, st.mode & 0o7777);
  } else if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from) as string, to);
    fs.lchownSync(to, st.uid, st.gid);
    fs.lutimesSync(to, timeOf(st), timeOf(st));
    return;
  } else {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, st.mode & 0o7777);
  }
  fs.chownSync(to, st.uid, st.gid);
  fs.utimesSync(to, timeOf(st), timeOf(st));
}

/** The mtime to copy: seconds, or a Date before 1970, since Node (and overlay.fs) read negative seconds as "now". */
function timeOf(st: { mtimeMs: number; mtime: Date }): number | Date {
  return st.mtimeMs < 0 ? st.mtime : st.mtimeMs / 1000;
}

/**
 * `overlay mv`, as mv(1): an existing directory as `dest` means "into it". overlayfs without
 * redirect_dir refuses to rename a directory that comes from a lower layer (EXDEV;
 * overlayfs.rst, "Renaming directories"); mv(1) then copies and deletes, and so does this,
 * calling `onCopy` first.
 */
export function movePath(overlay: Overlay, source: string, dest: string, onCopy?: () => void): void {
  const fs = overlay.fs;
  const target = fs.statSync(dest, { throwIfNoEntry: false });
  const to = target?.isDirectory() ? (dest.endsWith('/') ? `${dest}${basename(source)}` : `${dest}/${basename(source)}`) : dest;
  try {
    fs.renameSync(source, to);
  } catch (error) {
    if (!(error instanceof FsError) || error.code !== 'EXDEV') throw error;
    onCopy?.();
    copyTree(overlay, source, to);
    fs.rmSync(source, { recursive: true });
  }
}
