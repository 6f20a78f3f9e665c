import { Volume } from 'memfs';
import { contentBytes, type Layer, type LayerInode, type Meta } from '../layer/index.js';
import { flatten } from '../overlay/index.js';
import { asRoot } from './_internals/asRoot.js';

export interface LayerToVolumeOptions {
  /** Write into this volume instead of a new one. */
  volume?: Volume;
  /** The volume directory that shows the layer root (default `/`); made, with parents, if missing. */
  root?: string;
}

function under(root: string, path: string): string {
  if (root === '/') return path;
  return path === '/' ? root : root + path;
}

function cleanRoot(root: string): string {
  const parts = root.split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

/**
 * A memfs `Volume` holding what a stack of layers (bottom first) shows when mounted, or what
 * one layer shows on its own: the stack is flattened first (`flatten`), so whiteouts and opaque
 * markers are already applied. Directories, files (data, mode, owner, mtime), symlinks and hard
 * links (`linkSync`, one inode per group) are written; xattrs are not (memfs has none). Written
 * as root: permission bits of the layer never stop the copy.
 */
export function layerToVolume(layers: Layer | readonly Layer[], options: LayerToVolumeOptions = {}): Volume {
  const stack: readonly Layer[] = Array.isArray(layers) ? layers : [layers as Layer];
  const flat = flatten(stack);
  const vol = options.volume ?? new Volume();
  const root = cleanRoot(options.root ?? '/');
  asRoot(vol, () => {
    if (root !== '/') vol.mkdirSync(root, { recursive: true });
    const firstName = new Map<LayerInode, string>();
    const attributes: { path: string; meta: Meta; symlink: boolean }[] = [];
    for (const path of flat.paths()) {
      const node = flat.node(path)!;
      const real = under(root, path);
      if (node.kind === 'dir') {
        if (path !== '/') vol.mkdirSync(real);
        attributes.push({ path: real, meta: node.meta, symlink: false });
        continue;
      }
      if (node.kind === 'whiteout') continue; // never in a flattened layer
      const first = firstName.get(node.inode);
      if (first !== undefined) {
        vol.linkSync(first, real);
        continue;
      }
      firstName.set(node.inode, real);
      const inode = node.inode;
      if (inode.type === 'symlink') vol.symlinkSync(inode.target, real);
      else vol.writeFileSync(real, contentBytes(inode.content));
      attributes.push({ path: real, meta: node.inode.meta, symlink: node.kind === 'symlink' });
    }
    // Deepest first, so that filling a directory never changes a time already set.
    for (const { path, meta, symlink } of attributes.reverse()) {
      const time = new Date(meta.mtime);
      if (symlink) {
        vol.lchownSync(path, meta.uid, meta.gid);
        vol.lutimesSync(path, time, time);
      } else {
        vol.chmodSync(path, meta.mode);
        vol.chownSync(path, meta.uid, meta.gid);
        vol.utimesSync(path, time, time);
      }
    }
  });
  return vol;
}
