import type { Content } from './Content.js';
import type { LayerFileInode, LayerInode, LayerObjectNode, LayerSymlinkInode, Meta } from './types.js';

/**
 * The only constructors of layer inodes, so every file has content and every symlink a
 * target. `ino` comes from the caller (`allocateIno()`, or the inode a copy stands for).
 */

export function fileInode(ino: number, meta: Meta, content: Content, nlink = 1): LayerFileInode {
  return { ino, type: 'file', meta, content, nlink, mutable: false };
}

export function symlinkInode(ino: number, meta: Meta, target: string, nlink = 1): LayerSymlinkInode {
  return { ino, type: 'symlink', meta, target, nlink, mutable: false };
}

/** The same object with another inode number and link count (hard links regrouped). */
export function relinkInode(inode: LayerInode, ino: number, nlink: number): LayerInode {
  return inode.type === 'file' ? fileInode(ino, inode.meta, inode.content, nlink) : symlinkInode(ino, inode.meta, inode.target, nlink);
}

/** The node a name of `inode` has in a layer: its kind is the inode's type. */
export function objectNode(inode: LayerInode): LayerObjectNode {
  return inode.type === 'file' ? { kind: 'file', inode } : { kind: 'symlink', inode };
}
