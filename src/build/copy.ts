/**
 * COPY and ADD into a mounted overlay, with the Dockerfile reference's rules (COPY, "Destination"
 * and "Source"): a source directory's contents are copied, not the directory; a destination
 * ending in `/` (which several sources need, steps.ts) or an existing directory is one; a relative
 * destination is taken from WORKDIR; missing parents are made. ADD of a local tar (plain or
 * gzip) extracts it. Every written object gets the build's time, so the image depends on the
 * context's contents and not on when its files were touched.
 */
import { Layer, type LayerEntry } from '../layer/index.js';
import type { OverlayFs } from '../overlay/index.js';
import { basename, dirname } from '../path/index.js';
import { join, type SourceTree } from './context.js';

export interface CopyOptions {
  /** `--chmod` (octal), applied to every copied file and directory. */
  chmod?: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch for every written object. */
  mtime: number;
  /** ADD: a local tar is extracted into the destination. */
  extractTars: boolean;
}

/** Copies `sources` (paths in `tree`) to `dest` (absolute; a trailing `/` marks a directory). */
export async function copyInto(fs: OverlayFs, tree: SourceTree, sources: readonly string[], dest: string, destIsDirectory: boolean, options: CopyOptions): Promise<void> {
  const target = dest.length > 1 ? dest.replace(/\/+$/, '') : dest;
  const intoDirectory = destIsDirectory || isDirectory(fs, target);
  for (const source of sources) {
    const entry = tree.entry(source)!;
    if (entry.kind === 'dir') {
      makeDirectories(fs, target, options);
      copyChildren(fs, tree, source, target, options);
    } else if (options.extractTars && entry.kind === 'file' && isTar(tree.read(source))) {
      makeDirectories(fs, target, options);
      await extractTar(fs, tree.read(source), target, options);
    } else {
      const to = intoDirectory ? join(target, basename(source)) : target;
      makeDirectories(fs, intoDirectory ? target : dirname(to), options);
      copyOne(fs, tree, source, to, options);
    }
  }
}

function isDirectory(fs: OverlayFs, path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** mkdir -p, each new directory 0755 (or --chmod) and owned by the copy's owner. */
function makeDirectories(fs: OverlayFs, path: string, options: CopyOptions): void {
  const parts = path.split('/').filter((p) => p !== '');
  let at = '';
  for (const part of parts) {
    at += `/${part}`;
    if (isDirectory(fs, at)) continue;
    remove(fs, at);
    fs.mkdirSync(at, { mode: 0o755 });
    fs.chmodSync(at, options.chmod ?? 0o755);
    fs.lchownSync(at, options.uid, options.gid);
    fs.lutimesSync(at, options.mtime, options.mtime);
  }
}

function remove(fs: OverlayFs, path: string): void {
  try {
    fs.lstatSync(path);
  } catch {
    return;
  }
  fs.rmSync(path, { recursive: true, force: true });
}

function copyChildren(fs: OverlayFs, tree: SourceTree, from: string, to: string, options: CopyOptions): void {
  for (const name of tree.children(from)) copyOne(fs, tree, join(from, name), join(to, name), options);
}

function copyOne(fs: OverlayFs, tree: SourceTree, from: string, to: string, options: CopyOptions): void {
  const entry = tree.entry(from)!;
  if (entry.kind === 'dir') {
    if (!isDirectory(fs, to)) {
      remove(fs, to);
      fs.mkdirSync(to);
    }
    fs.chmodSync(to, options.chmod ?? entry.mode);
    copyChildren(fs, tree, from, to, options);
  } else {
    if (isDirectory(fs, to) || entry.kind === 'symlink') remove(fs, to);
    if (entry.kind === 'symlink') fs.symlinkSync(entry.target ?? '', to);
    else {
      fs.writeFileSync(to, tree.read(from));
      fs.chmodSync(to, options.chmod ?? entry.mode);
    }
  }
  fs.lchownSync(to, options.uid, options.gid);
  fs.lutimesSync(to, options.mtime, options.mtime);
}

/** A POSIX tar (`ustar` at offset 257) or a gzip stream (1f 8b): what ADD extracts. */
export function isTar(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return true;
  return bytes.length >= 512 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
}

async function extractTar(fs: OverlayFs, bytes: Uint8Array, dest: string, options: CopyOptions): Promise<void> {
  const layer = await Layer.fromTar(bytes);
  // ADD extracts a tar as it is: whiteout names are plain files there, not deletions.
  applyEntries(fs, layer.entries(), dest, { ...options, keepOwners: true, whiteouts: false });
}

/**
 * Writes layer entries under `dest`: what ADD's extraction and `--squash` (with whiteouts,
 * replaying the build's layers over the base) both do.
 */
export function applyEntries(fs: OverlayFs, entries: readonly LayerEntry[], dest: string, options: CopyOptions & { keepOwners: boolean; whiteouts: boolean }): void {
  const links: LayerEntry[] = [];
  for (const e of entries) {
    const to = dest === '/' ? `/${e.path.replace(/^\/+/, '')}` : `${dest}/${e.path.replace(/^\/+/, '')}`;
    if (to === dest || to === `${dest}/`) continue;
    if (e.type === 'whiteout' || e.type === 'opaque') {
      if (!options.whiteouts) continue;
      if (e.type === 'whiteout') remove(fs, to);
      else if (isDirectory(fs, to)) for (const name of fs.readdirSync(to)) remove(fs, `${to}/${name}`);
      continue;
    }
    if (e.type === 'hardlink') {
      links.push(e);
      continue;
    }
    makeDirectories(fs, dirname(to), options);
    if (e.type === 'dir') {
      if (!isDirectory(fs, to)) {
        remove(fs, to);
        fs.mkdirSync(to);
      }
    } else {
      remove(fs, to);
      if (e.type === 'symlink') fs.symlinkSync(e.target ?? '', to);
      else fs.writeFileSync(to, e.content ?? new Uint8Array());
    }
    if (e.type !== 'symlink') fs.chmodSync(to, options.chmod ?? e.mode ?? (e.type === 'dir' ? 0o755 : 0o644));
    fs.lchownSync(to, options.keepOwners ? (e.uid ?? 0) : options.uid, options.keepOwners ? (e.gid ?? 0) : options.gid);
    if (e.xattrs !== undefined) for (const [name, value] of Object.entries(e.xattrs)) setXattr(fs, to, name, value);
    fs.lutimesSync(to, options.keepOwners ? (e.mtime ?? options.mtime) : options.mtime, options.keepOwners ? (e.mtime ?? options.mtime) : options.mtime);
  }
  for (const e of links) {
    const to = dest === '/' ? `/${e.path.replace(/^\/+/, '')}` : `${dest}/${e.path.replace(/^\/+/, '')}`;
    const target = dest === '/' ? `/${(e.target ?? '').replace(/^\/+/, '')}` : `${dest}/${(e.target ?? '').replace(/^\/+/, '')}`;
    makeDirectories(fs, dirname(to), options);
    remove(fs, to);
    fs.linkSync(target, to);
  }
}

function setXattr(fs: OverlayFs, path: string, name: string, value: string): void {
  const set = (fs as unknown as { lsetxattrSync?: (p: string, n: string, v: string) => void }).lsetxattrSync;
  set?.call(fs, path, name, value);
}
