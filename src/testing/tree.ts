/**
 * A whole-tree snapshot of a Node-fs-like filesystem, in comparable form: for every path (not
 * following symlinks) its type, mode, owner, size (non-dirs), nlink, content, symlink target and
 * which earlier path shares its inode. Times, inode numbers and directory sizes are left out:
 * two correct filesystems (a kernel mount and the emulator) legitimately differ there.
 */
import { describeBytes } from './_internals/bytes.js';
import { stripRoot, summarizeStats, type FsLike, type StatSummary, type StatsLike } from './ops.js';

export interface TreeNode extends StatSummary {
  /** File content as `describeBytes` prints it. */
  content?: string;
  /** Symlink target, in the overlay's terms. */
  target?: string;
  /** The first path (in sorted order) of an earlier non-directory with the same inode. */
  sameInodeAs?: string;
  /** The walk could not read this path: the error code. */
  error?: string;
}

/** Path → node, in sorted path order, root (`/`) first. */
export type TreeSnapshot = ReadonlyMap<string, TreeNode>;

function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : `!${String(error)}`;
}

/** Walks the filesystem under `root` ('' = the fs root) without following symlinks. */
export function snapshotTree(fs: FsLike, root: string): TreeSnapshot {
  const nodes: [string, TreeNode][] = [];
  const firstByIno = new Map<number, string>();
  const visit = (path: string): void => {
    const real = path === '/' ? root + '/' : root + path;
    let node: TreeNode;
    let ino: number;
    try {
      const st = fs.lstatSync(real);
      ino = st.ino;
      node = summarizeStats(fs, root, st, real);
    } catch (error) {
      nodes.push([path, { type: 'other', mode: 0, uid: 0, gid: 0, nlink: 0, error: codeOf(error) }]);
      return;
    }
    try {
      if (node.type === 'file') node.content = describeBytes(fs.readFileSync(real));
      else if (node.type === 'symlink') node.target = stripRoot(root, fs.readlinkSync(real));
    } catch (error) {
      node.error = codeOf(error);
    }
    if (node.type !== 'dir') {
      const first = firstByIno.get(ino);
      if (first !== undefined) node.sameInodeAs = first;
      else firstByIno.set(ino, path);
    }
    nodes.push([path, node]);
    if (node.type !== 'dir') return;
    let names: string[];
    try {
      names = [...fs.readdirSync(real)].map(String).sort();
    } catch (error) {
      node.error = codeOf(error);
      return;
    }
    for (const name of names) visit(childPath(path, name));
  };
  visit('/');
  nodes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // Inode sharing is named by the first path in sorted order, whatever the walk order was.
  return new Map(renameInodeGroups(nodes));
}

function renameInodeGroups(nodes: [string, TreeNode][]): [string, TreeNode][] {
  const groupOf = new Map<string, string>();
  for (const [path, node] of nodes) {
    if (node.sameInodeAs !== undefined) {
      const leader = groupOf.get(node.sameInodeAs) ?? node.sameInodeAs;
      groupOf.set(path, leader);
    }
  }
  // Leader = smallest path of each group.
  const members = new Map<string, string[]>();
  for (const [path, leader] of groupOf) {
    let list = members.get(leader);
    if (list === undefined) members.set(leader, (list = [leader]));
    list.push(path);
  }
  const first = new Map<string, string>();
  for (const list of members.values()) {
    list.sort();
    for (const p of list) first.set(p, list[0]!);
  }
  return nodes.map(([path, node]) => {
    const { sameInodeAs: _, ...rest } = node;
    const leader = first.get(path);
    return [path, leader !== undefined && leader !== path ? { ...rest, sameInodeAs: leader } : rest];
  });
}

/** One difference between two snapshots. */
export interface TreeDifference {
  path: string;
  /** `missing` / `extra` when the path is only on one side, else the differing field. */
  field: string;
  left: unknown;
  right: unknown;
}

export interface DiffTreesOptions {
  /** Fields of `TreeNode` to leave out of the comparison. */
  ignore?: readonly (keyof TreeNode)[];
}

const FIELDS: readonly (keyof TreeNode)[] = ['type', 'mode', 'uid', 'gid', 'size', 'nlink', 'content', 'target', 'sameInodeAs', 'error'];

/** Every difference between two snapshots, sorted by path; empty when they agree. */
export function diffTrees(left: TreeSnapshot, right: TreeSnapshot, options: DiffTreesOptions = {}): TreeDifference[] {
  const ignore = new Set(options.ignore ?? []);
  const out: TreeDifference[] = [];
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  for (const path of paths) {
    const a = left.get(path);
    const b = right.get(path);
    if (a === undefined || b === undefined) {
      out.push({ path, field: a === undefined ? 'extra' : 'missing', left: a, right: b });
      continue;
    }
    for (const field of FIELDS) {
      if (ignore.has(field)) continue;
      if (a[field] !== b[field]) out.push({ path, field, left: a[field], right: b[field] });
    }
  }
  return out;
}

/** One line per node: `/a file 100644 0:0 size=1 nlink=1 "x"`. */
export function describeTree(tree: TreeSnapshot): string {
  const lines: string[] = [];
  for (const [path, n] of tree) lines.push(`${path} ${describeNode(n)}`);
  return lines.join('\n');
}

export function describeNode(n: TreeNode | undefined): string {
  if (n === undefined) return '(absent)';
  const parts = [n.type, n.mode.toString(8), `${n.uid}:${n.gid}`];
  if (n.size !== undefined) parts.push(`size=${n.size}`);
  parts.push(`nlink=${n.nlink}`);
  if (n.content !== undefined) parts.push(n.content);
  if (n.target !== undefined) parts.push(`-> ${JSON.stringify(n.target)}`);
  if (n.sameInodeAs !== undefined) parts.push(`(inode of ${n.sameInodeAs})`);
  if (n.error !== undefined) parts.push(`error ${n.error}`);
  return parts.join(' ');
}

/**
 * Every path's mtime in ms (not following symlinks), root first: what `snapshotTree` leaves out,
 * for comparing times as "unchanged", "now" or a set value after each op. A stat between two
 * updates also makes the kernel stamp the second one with a fine-grained clock (multigrain
 * timestamps, Documentation/filesystems/multigrain-ts.rst), so two ops never share a stamp.
 */
export function snapshotTimes(fs: FsLike, root: string): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (path: string): void => {
    const real = path === '/' ? root + '/' : root + path;
    let st: StatsLike & { mtimeMs?: number };
    try {
      st = fs.lstatSync(real);
    } catch {
      return;
    }
    out.set(path, st.mtimeMs ?? NaN);
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = [...fs.readdirSync(real)].map(String);
    } catch {
      return;
    }
    for (const name of names) visit(childPath(path, name));
  };
  visit('/');
  return out;
}
