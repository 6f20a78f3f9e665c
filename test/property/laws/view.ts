import { Overlay, type Layer, type OverlayOptions } from '../../../src/index.js';
import { describeTree, diffTrees, snapshotTree, type FsLike, type TreeDifference, type TreeNode, type TreeSnapshot } from '../../../src/testing/index.js';

/** The four mount modes every law runs in, as test/conformance runs the kernel in: default, redirect_dir, index, metacopy. */
export const MODES: readonly { name: string; options: OverlayOptions }[] = [
  { name: 'default', options: {} },
  { name: 'redirectDir', options: { redirectDir: true } },
  { name: 'index', options: { index: true } },
  { name: 'metacopy', options: { metacopy: true } },
];

export function fsOf(overlay: Overlay): FsLike {
  return overlay.fs as unknown as FsLike;
}

/** Every path of a mount with type, mode, owner, size, nlink, content, symlink target and inode group. */
export function viewOf(overlay: Overlay): TreeSnapshot {
  return snapshotTree(fsOf(overlay), '');
}

/** The view of `layers` (bottom first) mounted on their own. */
export function viewOfStack(layers: readonly Layer[], options: OverlayOptions = {}): TreeSnapshot {
  return viewOf(new Overlay({ ...options, lowers: layers }));
}

/** A readable failure message for two views that should be equal. */
export function explainDiff(diff: readonly TreeDifference[], left: TreeSnapshot, right: TreeSnapshot, names: [string, string]): string {
  const lines = diff.slice(0, 20).map((d) => `  ${d.path} ${d.field}: ${names[0]}=${JSON.stringify(d.left)} ${names[1]}=${JSON.stringify(d.right)}`);
  return [`${diff.length} difference(s):`, ...lines, `${names[0]}:`, describeTree(left), `${names[1]}:`, describeTree(right)].join('\n');
}

/** Marks a directory nlink that is one of the two values overlayfs may report. */
export const DIR_NLINK_OK = -1;

/**
 * Directory link counts depend on how many layers hold the directory, which commit and flatten
 * legitimately change: a merged directory reports 1, a directory of one layer 2 + its
 * subdirectories (test/unit/overlay/kernelObservations.test.ts, case 11). Each directory's nlink must be one of those two,
 * computed from the same snapshot; a valid value becomes DIR_NLINK_OK, an invalid one stays
 * and shows up as a difference.
 */
export function normaliseDirNlink(tree: TreeSnapshot): TreeSnapshot {
  const subdirs = new Map<string, number>();
  for (const [path, node] of tree) {
    if (path === '/' || node.type !== 'dir') continue;
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    subdirs.set(parent, (subdirs.get(parent) ?? 0) + 1);
  }
  const out = new Map<string, TreeNode>();
  for (const [path, node] of tree) {
    const valid = node.type === 'dir' && (node.nlink === 1 || node.nlink === 2 + (subdirs.get(path) ?? 0));
    out.set(path, valid ? { ...node, nlink: DIR_NLINK_OK } : node);
  }
  return out;
}

/** How many paths of the snapshot share each path's inode (1 for a lone name). */
export function groupSizes(tree: TreeSnapshot): Map<string, number> {
  const leaderOf = (path: string): string => tree.get(path)?.sameInodeAs ?? path;
  const counts = new Map<string, number>();
  for (const [path, node] of tree) if (node.type !== 'dir') counts.set(leaderOf(path), (counts.get(leaderOf(path)) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const [path, node] of tree) if (node.type !== 'dir') out.set(path, counts.get(leaderOf(path))!);
  return out;
}

export { diffTrees };
