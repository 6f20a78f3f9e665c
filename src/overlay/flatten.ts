import { Layer, allocateIno, objectNode, relinkInode, type LayerHistory, type LayerInode, type LayerNode } from '../layer/index.js';
import { joinPath } from '../path/index.js';
import { DEFAULT_ROOT_META, LowerTree, type LowerDir } from './engine/index.js';

/**
 * Squashes a stack (bottom first) into one layer with the same view: no whiteouts, no opaque
 * markers, every visible object once, hard links kept where all names are still visible in
 * the same layer group. File bytes are shared with the source layers, not copied.
 */
export function flatten(layers: readonly Layer[], history: LayerHistory = {}): Layer {
  const tree = new LowerTree(layers, DEFAULT_ROOT_META);
  const nodes = new Map<string, LayerNode>();
  const groups = new Map<LayerInode, string[]>();
  const walk = (dir: LowerDir, path: string): void => {
    nodes.set(path, { kind: 'dir', meta: dir.meta, opaque: false, implicit: !dir.explicit });
    for (const [name, child] of dir.children) {
      const childPath = joinPath(path, name);
      if (child.kind === 'dir') walk(child, childPath);
      else {
        const names = groups.get(child.inode);
        if (names === undefined) groups.set(child.inode, [childPath]);
        else names.push(childPath);
      }
    }
  };
  walk(tree.root, '/');
  for (const [inode, names] of groups) {
    const node = objectNode(relinkInode(inode, names.length === inode.nlink ? inode.ino : allocateIno(), names.length));
    for (const name of names) nodes.set(name, node);
  }
  return Layer.fromNodes(nodes, { history });
}
