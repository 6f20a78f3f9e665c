import { UpperDir, WHITEOUT, metaFromLayer, restoredInode, trackChanges, upperObject, type UpperInode } from '../cow/index.js';
import { DomainError } from '../errors/index.js';
import { allocateIno, sameAttributes, sameContent, type Layer, type LayerInode } from '../layer/index.js';
import { basename, dirname } from '../path/index.js';
import type { Engine } from './engine/index.js';

/**
 * Makes a committed upper layer the writable layer again (a stopped container started once
 * more): the kernel keeps its upper dir between mounts the same way. Whiteouts, opaque
 * directories and hard links come back as they were; redirects and the index were already
 * written out in full by commit, so nothing is lost for the view. Changes made after the
 * restore are recorded (`ChangedPaths`), so the store can append only them.
 */
export function restoreUpper(engine: Engine, upper: Layer): void {
  const dirs = new Map<string, UpperDir>([['/', engine.upperRoot]]);
  const inodes = new Map<LayerInode, UpperInode>();
  const names = new Map<LayerInode, string[]>();
  for (const path of upper.paths()) {
    const node = upper.node(path)!;
    if (node.kind === 'file' || node.kind === 'symlink') {
      const list = names.get(node.inode);
      if (list === undefined) names.set(node.inode, [path]);
      else list.push(path);
    }
  }
  for (const path of upper.paths()) {
    const node = upper.node(path)!;
    if (path === '/') {
      if (node.kind === 'dir') {
        if (!node.implicit) engine.upperRoot.meta = metaFromLayer(node.meta);
        engine.upperRoot.opaque = node.opaque;
      }
      continue;
    }
    const parent = dirs.get(dirname(path));
    if (parent === undefined) throw new DomainError('LayerFormatError', `upper layer entry without a parent: ${path}`, { path });
    const name = basename(path);
    switch (node.kind) {
      case 'whiteout':
        parent.children.set(name, WHITEOUT);
        break;
      case 'dir': {
        // An implicit directory keeps the attributes of the lower directory it copies up.
        const lower = engine.lower.lookup(path);
        const meta = node.implicit && lower?.kind === 'dir' ? lower.meta : node.meta;
        const dir = new UpperDir(lower?.kind === 'dir' ? lower.ino : allocateIno(), metaFromLayer(meta), node.opaque);
        dir.implied = node.implicit && lower?.kind === 'dir' && !node.opaque;
        parent.children.set(name, dir);
        dirs.set(path, dir);
        break;
      }
      case 'file':
      case 'symlink': {
        let inode = inodes.get(node.inode);
        if (inode === undefined) {
          const l = node.inode;
          // What was copied up keeps its origin (found under any of its names); one that changed
          // nothing comes back unchanged, so diff stays exact.
          const origin = originOf(engine, names.get(l) ?? [path], l.type);
          inode = restoredInode(l, allocateIno(), origin, origin === undefined || !sameObject(origin, l));
          inodes.set(node.inode, inode);
        }
        parent.children.set(name, upperObject(inode));
        break;
      }
    }
  }
  // From here on, what changes is recorded, so a store can save only that (upperChanges.ts).
  trackChanges(engine.upperRoot, dirs.values());
}

function sameObject(a: LayerInode, b: LayerInode): boolean {
  if (!sameAttributes(a.meta, b.meta) || a.meta.mtime !== b.meta.mtime) return false;
  if (a.type === 'symlink') return b.type === 'symlink' && a.target === b.target;
  return b.type === 'file' && sameContent(a.content, b.content);
}

function originOf(engine: Engine, paths: readonly string[], type: 'file' | 'symlink'): LayerInode | undefined {
  for (const path of paths) {
    const below = engine.lower.lookup(path);
    if (below !== undefined && below.kind === type) return below.inode;
  }
  return undefined;
}
