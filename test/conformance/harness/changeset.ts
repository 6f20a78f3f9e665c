/**
 * The kernel's upper dir as an OCI-style changeset (a `Layer`), and comparison of two
 * changesets by meaning.
 *
 * Reading an upper dir (overlayfs.rst, 'whiteouts and opaque directories', 'renaming directories',
 * 'Metadata only copy up', 'Index'):
 * - char device 0/0 → whiteout; `trusted.overlay.opaque=y` → opaque dir;
 * - a dir with `trusted.overlay.redirect` (a renamed lower dir) has no OCI form: it becomes an
 *   opaque dir holding its full merged contents, read through the mount;
 * - a file with `trusted.overlay.metacopy` has its data below: every file's data is read
 *   through the mount, metadata comes from the upper object;
 * - hard links that cross the changeset's edge: with index=on, the names of a copied-up
 *   hard-linked inode that were never touched themselves live only in workdir/index, not in the
 *   upper dir, yet the mount shows them as the upper object's inode; and a renamed dir's lower
 *   files keep their lower inode, shared with lower names outside the dir. An OCI layer can
 *   only link names within itself (layer.md "Hardlinks"; moby#5632), so every name the mount
 *   shows as one inode with a changeset object joins the changeset as a hard link. So does a
 *   name that shows other data or attributes than the lowers although it is not in the upper
 *   dir: with index=on it is served from workdir/index after every upper name of its inode was
 *   removed. These names ("outside upper") were never copied up into the upper dir, so they
 *   are left out of the copied-up comparison on both sides and judged by the tree the
 *   changeset gives when applied (where the links must survive);
 * - `origin`, `impure`, `uuid` and other bookkeeping xattrs are dropped.
 */
import { Layer, type LayerEntryInput } from '../../../src/layer/index.js';
import type { TreeNode, TreeSnapshot } from '../../../src/testing/index.js';
import { stripRoot } from '../../../src/testing/index.js';
import type { ScannedEntry } from './pythonHelper.js';
import { applyLayer, mergedView, viewToTree, withoutRoot, type View } from './mergedView.js';

const REDIRECT = 'trusted.overlay.redirect';
const OPAQUE = 'trusted.overlay.opaque';

function isBelow(path: string, dir: string): boolean {
  return path.startsWith(dir === '/' ? '/' : dir + '/') && path !== dir;
}

/**
 * Whether a dir's `trusted.overlay.redirect` points away from its own path: relative values
 * name a sibling, absolute ones a path from the root. A rename that fails after the redirect was
 * set (ENOTEMPTY on the target) leaves a dir redirected to itself, which is a plain dir.
 */
function redirectsElsewhere(path: string, redirect: string | undefined): boolean {
  if (redirect === undefined) return false;
  return redirect.startsWith('/') ? redirect !== path : redirect !== path.slice(path.lastIndexOf('/') + 1);
}

export interface KernelChangesetInput {
  upper: readonly ScannedEntry[];
  /** Snapshot of the mount at the same moment. */
  tree: TreeSnapshot;
  /** What the lower layers alone show (`viewToTree(mergedView(lowers))`). */
  lowerTree: TreeSnapshot;
  /** Reads a file's data through the mount. */
  readMerged: (path: string) => Uint8Array;
  mountDir: string;
}

export interface KernelChangeset {
  layer: Layer;
  /**
   * Names in the changeset that are not in the upper dir: linked to a changeset object, or
   * changed yet served from workdir/index.
   */
  outsideUpper: Set<string>;
}

const COMPARED: readonly (keyof TreeNode)[] = ['type', 'mode', 'uid', 'gid', 'size', 'content', 'target'];

function sameObject(a: TreeNode | undefined, b: TreeNode | undefined): boolean {
  return a !== undefined && b !== undefined && COMPARED.every((f) => a[f] === b[f]);
}

export function kernelChangeset({ upper, tree, lowerTree, readMerged, mountDir }: KernelChangesetInput): KernelChangeset {
  const entries: LayerEntryInput[] = [];
  const redirected = upper.filter((e) => e.k === 'dir' && e.p !== '/' && redirectsElsewhere(e.p, e.x[REDIRECT])).map((e) => e.p);
  const inChangeset = new Set<string>();
  const nonDirs: string[] = [];
  const add = (entry: LayerEntryInput): void => {
    entries.push(entry);
    inChangeset.add(entry.path);
  };
  for (const e of upper) {
    if (e.p === '/') continue;
    if (redirected.some((d) => isBelow(e.p, d))) continue;
    if (e.k === 'chr') {
      if (e.rdev?.[0] !== 0 || e.rdev[1] !== 0) throw new Error(`upper dir holds a char device that is not a whiteout: ${e.p}`);
      add({ path: e.p, type: 'whiteout' });
    } else if (e.k === 'dir') {
      const opaque = e.x[OPAQUE] === 'y' || redirected.includes(e.p);
      add({ path: e.p, type: opaque ? 'opaque' : 'dir', mode: e.m, uid: e.u, gid: e.g });
    } else if (e.k === 'file') {
      add({ path: e.p, type: 'file', content: readMerged(e.p), mode: e.m, uid: e.u, gid: e.g });
      nonDirs.push(e.p);
    } else if (e.k === 'symlink') {
      add({ path: e.p, type: 'symlink', target: stripRoot(mountDir, e.tg!), uid: e.u, gid: e.g });
      nonDirs.push(e.p);
    } else {
      throw new Error(`upper dir holds an unexpected object: ${e.p} (${e.k})`);
    }
  }
  // Renamed dirs: their whole merged subtree, as seen through the mount.
  for (const dir of redirected) {
    if (redirected.some((d) => isBelow(dir, d))) continue;
    for (const [path, node] of tree) {
      if (!isBelow(path, dir)) continue;
      if (node.type === 'dir') add({ path, type: 'dir', mode: node.mode & 0o7777, uid: node.uid, gid: node.gid });
      else if (node.type === 'file') {
        add({ path, type: 'file', content: readMerged(path), mode: node.mode & 0o7777, uid: node.uid, gid: node.gid });
        nonDirs.push(path);
      } else if (node.type === 'symlink') {
        add({ path, type: 'symlink', target: node.target!, uid: node.uid, gid: node.gid });
        nonDirs.push(path);
      }
    }
  }
  // Inode identity as the mount reports it: names sharing an inode with an upper object.
  const leader = (path: string): string | undefined => {
    const node = tree.get(path);
    return node === undefined ? undefined : (node.sameInodeAs ?? path);
  };
  // A name outside the upper dir that no longer looks as the lowers show it is served from
  // workdir/index (index=on, every upper name of its inode since removed): it changed too.
  const groups = new Set(nonDirs.map(leader).filter((l): l is string => l !== undefined));
  const outsideUpper = new Set<string>();
  for (const [path, node] of tree) {
    if (node.type === 'dir' || inChangeset.has(path)) continue;
    const group = leader(path);
    const linked = group !== undefined && groups.has(group);
    if (!linked && sameObject(node, lowerTree.get(path))) continue;
    outsideUpper.add(path);
    if (node.type === 'symlink') add({ path, type: 'symlink', target: node.target!, uid: node.uid, gid: node.gid });
    else add({ path, type: 'file', content: readMerged(path), mode: node.mode & 0o7777, uid: node.uid, gid: node.gid });
    nonDirs.push(path);
  }
  // Hard links: every further name of a group points at the group's first name in the changeset.
  const firstOfGroup = new Map<string, string>();
  const byPath = new Map(entries.map((e, i) => [e.path, i]));
  for (const path of [...nonDirs].sort()) {
    const group = leader(path);
    if (group === undefined) continue;
    const first = firstOfGroup.get(group);
    if (first === undefined) firstOfGroup.set(group, path);
    else entries[byPath.get(path)!] = { path, type: 'hardlink', target: first };
  }
  return { layer: Layer.fromEntries(entries), outsideUpper };
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/**
 * Paths a changeset copies up or creates, without the root: its explicit and opaque dirs, its
 * non-dirs except `exclude`, and every dir on the way to those and to its whiteouts.
 */
export function changedPaths(changeset: Layer, exclude: ReadonlySet<string> = new Set()): Set<string> {
  const out = new Set<string>();
  const withParents = (path: string): void => {
    for (let p = path; p !== '/' && !out.has(p); p = parentOf(p)) out.add(p);
  };
  for (const path of changeset.paths()) {
    if (path === '/') continue;
    const node = changeset.node(path)!;
    if (node.kind === 'whiteout') {
      if (parentOf(path) !== '/') withParents(parentOf(path));
    } else if (node.kind === 'dir') {
      if (!node.implicit || node.opaque) withParents(path);
    } else if (!exclude.has(path)) {
      withParents(path);
    }
  }
  return out;
}

/** Lower paths a changeset deletes: gone after applying it, parent still a directory. */
export function deletedPaths(lowerView: View, applied: View): Set<string> {
  const out = new Set<string>();
  for (const path of lowerView.keys()) {
    if (path === '/' || applied.has(path)) continue;
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    if (applied.get(parent)?.type === 'dir') out.add(path);
  }
  return out;
}

/** The view of `lowers` with `changeset` applied on top. */
export function appliedView(lowers: readonly Layer[], changeset: Layer): View {
  const view = mergedView(lowers);
  applyLayer(view, changeset, 'C');
  return view;
}

export function appliedTree(view: View): TreeSnapshot {
  return withoutRoot(viewToTree(view));
}
