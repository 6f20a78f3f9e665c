import { UpperDir, WHITEOUT, FileData, metaFromLayer, type UpperInode } from '../cow/index.js';
import { DomainError } from '../errors/index.js';
import type { Layer, LayerInode } from '../layer/index.js';
import { basename, dirname } from '../path/index.js';
import type { Engine } from './engine/Engine.js';

/**
 * Makes a committed upper layer the writable layer again (a stopped container started once
 * more): the kernel keeps its upper dir between mounts the same way. Whiteouts, opaque
 * directories and hard links come back as they were; redirects and the index were already
 * written out in full by commit, so nothing is lost for the view.
 */
export function restoreUpper(engine: Engine, upper: Layer): void {
  const dirs = new Map<string, UpperDir>([['/', engine.upperRoot]]);
  const inodes = new Map<LayerInode, UpperInode>();
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
        const dir = new UpperDir(lower?.kind === 'dir' ? lower.ino : engine.allocateIno(), metaFromLayer(meta), node.opaque);
        parent.children.set(name, dir);
        dirs.set(path, dir);
        break;
      }
      case 'file':
      case 'symlink': {
        let inode = inodes.get(node.inode);
        if (inode === undefined) {
          const l = node.inode;
          inode = {
            ino: engine.allocateIno(),
            type: l.type,
            meta: metaFromLayer(l.meta),
            data: l.type === 'file' ? FileData.over(l.content!) : undefined,
            target: l.target,
            nlink: l.nlink,
            origin: undefined,
            metacopy: false,
          };
          inodes.set(node.inode, inode);
        }
        parent.children.set(name, { kind: inode.type, inode });
        break;
      }
    }
  }
}
