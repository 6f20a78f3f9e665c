/**
 * Law: an overlay agrees with a flat reference filesystem holding the flattened stack (a memfs
 * volume from `layerToVolume`, driven with Linux rules by `FlatFs`) on every operation of a
 * random sequence: the outcome value, or the errno `code`; then the final trees are equal.
 *
 * Where overlayfs deliberately differs from a plain filesystem, the model below says what the
 * overlay must do instead; each such place is one entry of `OVERLAY_EXCEPTIONS`. (memfs's own
 * deviations from Linux are handled inside FlatFs: see `MEMFS_DEVIATIONS` there.)
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Overlay, type Layer, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { layerToVolume } from '../../../src/interop/index.js';
import {
  describeOp,
  diffTrees,
  runOp,
  snapshotTree,
  type FsOp,
  type Outcome,
  type OutcomeValue,
  type StatSummary,
  type TreeNode,
  type TreeSnapshot,
} from '../../../src/testing/index.js';
import { knownBug } from '../knownEngineBugs.js';
import { FlatFs } from '../reference/FlatFs.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { Trace } from '../support/trace.js';
import { explainDiff, fsOf } from './view.js';

/** The longest absolute redirect overlayfs writes (the redirect_max module parameter's default). */
const REDIRECT_MAX = 256;

const dirname = (path: string): string => path.slice(0, Math.max(1, path.lastIndexOf('/')));

/** Where an overlay must differ from the flat filesystem, and why (cases of test/unit/overlay/kernelObservations.test.ts). */
export const OVERLAY_EXCEPTIONS: readonly string[] = [
  'EXDEV: rename(2) of a directory that has a lower part (merged or lower-only, even empty) fails with EXDEV unless redirect_dir (or metacopy) is on (kernelObservations.test.ts case 6, overlayfs.rst "Renaming directories"). The model knows which directories have a lower part by inode: those of the initial tree, as long as they exist. EXDEV comes after the VFS checks (ENOENT, ENOTDIR/EISDIR, EINVAL and the ENOTEMPTY of a target that is an ancestor of the source) and before the filesystem\'s own ENOTEMPTY for a non-empty target (ovl_rename). On EXDEV nothing changes.',
  'EXDEV: redirect_max. With redirect_dir (or metacopy), moving a directory that has a lower part (or, with metacopy, a lower file) to another directory writes its lower path as an absolute redirect, and a lower path longer than redirect_max (256 bytes) is EXDEV (dir.c ovl_get_redirect; test/unit/overlay/limits.test.ts). The model knows each lower object\'s lower path by inode; it does not track whether a metacopy file\'s data was copied up since (then the kernel writes no redirect), so for a file it accepts EXDEV rather than demanding it. It comes after every check of the rename itself; on EXDEV nothing changes.',
  'nlink of directories: a directory with a lower part may report 1 (a merged directory always does; kernelObservations.test.ts case 11); a directory with no lower part reports 2 + subdirectories as any Linux filesystem does.',
  'Hard links of lower layers, index=off: a copy-up (write, truncate, open for write or O_TRUNC, chmod, chown, utimes, link source, rename source) gives only the name copied up a new inode; the other names keep the old inode and data (kernelObservations.test.ts case 8). The model breaks that name\'s link (a new inode with the same data and attributes) just before running the op, when the op succeeds on the overlay.',
  'nlink of lower hard links: names of a lower inode report the lower layer\'s nlink, which counts names the flattened stack no longer shows (hidden by a whiteout, an opaque dir or a file above). index=off: that count never changes, even when names are unlinked or copied up (kernelObservations.test.ts case 8). index=on: it moves with links and unlinks, offset by the hidden names.',
];

/** The reference filesystem plus what it must know about the overlay's lower layers. */
class OverlayModel {
  readonly ref: FlatFs;
  readonly redirectDir: boolean;
  readonly index: boolean;
  readonly metacopy: boolean;
  /** Reference inode numbers of directories that have a lower part in the overlay. */
  readonly #lowerDirs = new Set<number>();
  /** The lower paths of the initial tree's objects, by reference inode (a hard link has several). */
  readonly #lowerPaths = new Map<number, string[]>();
  /** Reference inode numbers of lower hard-linked objects: the lower nlink and the names visible at mount. */
  readonly #lowerLinks = new Map<number, { lower: number; visible: number }>();

  constructor(stack: readonly Layer[], mount: Overlay) {
    this.ref = new FlatFs(layerToVolume(stack));
    this.redirectDir = mount.options.redirectDir;
    this.index = mount.options.index;
    this.metacopy = mount.options.metacopy;
    const walk = (path: string): void => {
      const st = this.ref.lstatSync(path);
      this.#lowerPaths.set(st.ino, [...(this.#lowerPaths.get(st.ino) ?? []), path]);
      if (st.isDirectory()) {
        this.#lowerDirs.add(st.ino);
        for (const name of this.ref.readdirSync(path)) walk(path === '/' ? `/${name}` : `${path}/${name}`);
        return;
      }
      const lower = lowerNlink(stack, path);
      if (lower > 1 || st.nlink > 1) this.#lowerLinks.set(st.ino, { lower, visible: st.nlink });
    };
    if (stack.length > 0) walk('/');
  }

  #ino(path: string, follow: boolean): { ino: number; kind: string } | undefined {
    const r = this.ref.resolve(path, follow);
    return 'ino' in r ? r : undefined;
  }

  /** Would the overlay refuse this rename with EXDEV (exception 1)? */
  isExdev(op: FsOp): boolean {
    if (op.op !== 'rename' || this.redirectDir) return false;
    const src = this.#ino(op.from, false);
    if (src === undefined || src.kind !== 'dir' || !this.#lowerDirs.has(src.ino)) return false;
    const plan = this.ref.checkRename(op.from, op.to);
    if ('code' in plan) return plan.code === 'ENOTEMPTY' && plan.trap !== true;
    return !('noop' in plan);
  }

  /**
   * Might the overlay refuse this rename with EXDEV because the redirect it must write is over
   * redirect_max (exception 2)? 'must' for a lower directory, 'may' for a metacopy file.
   */
  redirectTooLong(op: FsOp): 'must' | 'may' | undefined {
    if (op.op !== 'rename' || !this.redirectDir) return undefined;
    const src = this.#ino(op.from, false);
    if (src === undefined) return undefined;
    const isLowerDir = src.kind === 'dir' && this.#lowerDirs.has(src.ino);
    const isLowerFile = this.metacopy && src.kind === 'file';
    if (!isLowerDir && !isLowerFile) return undefined;
    const paths = this.#lowerPaths.get(src.ino) ?? [];
    if (!paths.some((p) => new TextEncoder().encode(p).length > REDIRECT_MAX)) return undefined;
    const plan = this.ref.checkRename(op.from, op.to);
    if ('code' in plan) return undefined;
    let parents: [string, string];
    if ('noop' in plan) {
      // Two names of one lower inode are two overlay inodes with index=off, and the rename
      // really moves (see copyUpOf); a name onto itself, or index=on, does nothing.
      const from = this.ref.resolve(op.from, false);
      const to = this.ref.resolve(op.to, false);
      if (this.index || !('path' in from) || !('path' in to) || from.path === to.path) return undefined;
      parents = [dirname(from.path), dirname(to.path)];
    } else {
      parents = [plan.from.parent, plan.to.parent];
    }
    // Within one directory the redirect is the old name, relative, with no limit.
    if (parents[0] === parents[1]) return undefined;
    return isLowerDir ? 'must' : 'may';
  }

  /** A name whose hard link the model broke keeps its lower paths (its data may still be below). */
  inheritLowerPaths(from: number, to: number): void {
    const paths = this.#lowerPaths.get(from);
    if (paths !== undefined && !this.#lowerPaths.has(to)) this.#lowerPaths.set(to, paths);
  }

  /** The clean reference path of a lower hard-link name this op would copy up (exception 3). */
  copyUpOf(op: FsOp): string | undefined {
    if (this.index) return undefined;
    let target: { path: string; follow: boolean } | undefined;
    switch (op.op) {
      case 'writeFile':
      case 'appendFile':
      case 'truncate':
      case 'chmod':
      case 'chown':
      case 'utimes':
        target = { path: op.path, follow: true };
        break;
      case 'open': {
        const writes = op.flags.includes('O_WRONLY') || op.flags.includes('O_RDWR') || op.flags.includes('O_TRUNC');
        const exclusive = op.flags.includes('O_CREAT') && op.flags.includes('O_EXCL');
        if (writes && !exclusive) target = { path: op.path, follow: !op.flags.includes('O_NOFOLLOW') };
        break;
      }
      case 'link':
        target = { path: op.from, follow: false };
        break;
      case 'rename': {
        // rename of a name to itself does nothing, no copy-up. Two names of one lower inode
        // are two overlay inodes with index=off (inode.c ovl_hash_bylower), so that rename
        // really moves, breaking the link (the kernel conformance suite saw it).
        const plan = this.ref.checkRename(op.from, op.to);
        const from = this.ref.resolve(op.from, false);
        const to = this.ref.resolve(op.to, false);
        const sameName = 'path' in from && 'path' in to && from.path === to.path;
        if (!('noop' in plan) || !sameName) target = { path: op.from, follow: false };
        break;
      }
      case 'copyFile':
        target = { path: op.to, follow: true };
        break;
      default:
        break;
    }
    if (target === undefined) return undefined;
    const r = this.ref.resolve(target.path, target.follow);
    if (!('ino' in r) || r.kind === 'dir' || !this.#lowerLinks.has(r.ino)) return undefined;
    return r.path;
  }

  /** The reference's answer in the overlay's terms: nlink as exceptions 2 and 4 say. */
  adjust(stat: StatSummary, ino: number | undefined, overlayNlink: number | undefined): StatSummary {
    if (ino === undefined) return stat;
    if (stat.type === 'dir') {
      return this.#lowerDirs.has(ino) && overlayNlink === 1 ? { ...stat, nlink: 1 } : stat;
    }
    const link = this.#lowerLinks.get(ino);
    if (link === undefined) return stat;
    return { ...stat, nlink: this.index ? stat.nlink + link.lower - link.visible : link.lower };
  }

  /** Inode numbers of every path of the reference (lstat), for adjusting a tree snapshot. */
  inodes(): Map<string, number> {
    const out = new Map<string, number>();
    const walk = (path: string): void => {
      const st = this.ref.lstatSync(path);
      out.set(path, st.ino);
      if (st.isDirectory()) for (const name of this.ref.readdirSync(path)) walk(path === '/' ? `/${name}` : `${path}/${name}`);
    };
    walk('/');
    return out;
  }
}

/** The nlink the lower layers give the object at `path`: that of the topmost layer's inode there. */
function lowerNlink(stack: readonly Layer[], path: string): number {
  for (let i = stack.length - 1; i >= 0; i--) {
    const node = stack[i]!.node(path);
    if (node !== undefined && (node.kind === 'file' || node.kind === 'symlink')) return node.inode.nlink;
  }
  return 1;
}

/** Did the op get far enough to copy up (the open(2) succeeded, whatever came after)? */
function copiedUp(op: FsOp, outcome: Outcome): boolean {
  // runOp does not run copyFile onto the file itself (see src/testing/ops.ts).
  if (op.op === 'copyFile' && outcome.ok && outcome.value === 'same file (not run)') return false;
  if (outcome.ok) return true;
  // copyFile of a directory source: libuv opened the destination with O_TRUNC and fchmod-ed it
  // before the copy failed with EISDIR (then unlinked it), so a lower hard link was copied up.
  // copyUpOf names only a non-directory destination, so EISDIR cannot be the destination's.
  if (op.op === 'copyFile') return outcome.code === 'EISDIR';
  if (op.op !== 'open') return false;
  // runOp writes and ftruncates after open(2): EBADF/EINVAL there mean open itself succeeded
  // (open's own EINVAL is O_CREAT|O_DIRECTORY).
  if (outcome.code === 'EBADF') return true;
  return outcome.code === 'EINVAL' && !(op.flags.includes('O_CREAT') && op.flags.includes('O_DIRECTORY'));
}

function statOf(value: OutcomeValue): StatSummary | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return 'stat' in value ? (value as { stat: StatSummary }).stat : (value as StatSummary);
}

/** Breaks the model's hard link at `path` as a copy-up does; the new inode keeps its lower paths. */
function breakLink(model: OverlayModel, path: string): void {
  const before = model.ref.lstatSync(path).ino;
  model.ref.breakHardLink(path);
  model.inheritLowerPaths(before, model.ref.lstatSync(path).ino);
}

function adjustOutcome(model: OverlayModel, op: FsOp, expected: Outcome, actual: Outcome): Outcome {
  if (!expected.ok || (op.op !== 'stat' && op.op !== 'lstat' && op.op !== 'open')) return expected;
  const stat = statOf(expected.value);
  if (stat === undefined) return expected;
  let ino: number | undefined;
  try {
    ino = (op.op === 'lstat' ? model.ref.lstatSync(op.path) : model.ref.statSync(op.path)).ino;
  } catch {
    ino = undefined;
  }
  const overlayNlink = actual.ok ? statOf(actual.value)?.nlink : undefined;
  const adjusted = model.adjust(stat, ino, overlayNlink);
  if (adjusted === stat) return expected;
  return { ok: true, value: op.op === 'open' ? { ...(expected.value as object), stat: adjusted } : adjusted } as Outcome;
}

function adjustTree(model: OverlayModel, tree: TreeSnapshot, overlay: TreeSnapshot): TreeSnapshot {
  const inodes = model.inodes();
  const out = new Map<string, TreeNode>();
  for (const [path, node] of tree) {
    const adjusted = model.adjust(node, inodes.get(path), overlay.get(path)?.nlink);
    out.set(path, adjusted === node ? node : { ...node, ...adjusted });
  }
  return out;
}

/** Runs `ops` on a mount of `stack` and on the model; throws with the op trace on the first disagreement. */
export function checkAgainstReference(inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], options: OverlayOptions): void {
  const stack = buildStack(inputs);
  const overlay = new Overlay({ ...options, lowers: stack });
  const model = new OverlayModel(stack, overlay);
  const fs = fsOf(overlay);
  const trace = new Trace();
  for (const op of ops) {
    const actual = runOp(fs, '', op);
    const tooLong = model.redirectTooLong(op);
    const exdev = model.isExdev(op) || tooLong === 'must' || (tooLong === 'may' && !actual.ok && actual.code === 'EXDEV');
    // A rename refused for its redirect has already copied its source up (dir.c ovl_rename:
    // copy-up, then ovl_set_redirect), which breaks a lower hard link with index=off.
    const copyUp = exdev && tooLong !== 'may' ? undefined : model.copyUpOf(op);
    let expected: Outcome;
    let note: string | undefined;
    if (exdev) {
      expected = { ok: false, code: 'EXDEV' };
      note = tooLong !== undefined ? 'EXDEV: redirect over redirect_max' : 'EXDEV: directory with a lower part';
      if (copyUp !== undefined) breakLink(model, copyUp);
    } else {
      if (copyUp !== undefined && copiedUp(op, actual)) {
        breakLink(model, copyUp);
        note = `copy-up breaks the lower hard link at ${copyUp}`;
      }
      expected = adjustOutcome(model, op, runOp(model.ref, '', op), actual);
    }
    if (knownBug(op, expected, actual, { ref: model.ref, overlay: fs }) !== undefined) {
      // A reported engine bug (knownEngineBugs.ts): the overlay may now differ from the model
      // in its state too, so this run stops here.
      return;
    }
    trace.add(op, actual, note);
    expect(actual, `${describeOp(op)} after:\n${trace}\n(overlay vs flat reference)`).toEqual(expected);
  }
  const overlayTree = snapshotTree(fs, '');
  const refTree = adjustTree(model, snapshotTree(model.ref, ''), overlayTree);
  const diff = diffTrees(overlayTree, refTree);
  expect(diff, `final trees differ after:\n${trace}\n${explainDiff(diff, overlayTree, refTree, ['overlay', 'reference'])}`).toEqual([]);
}

/** The law as a fast-check assertion over a stack arbitrary and an op-sequence arbitrary. */
export function assertAgreesWithFlatReference(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkAgainstReference, stackArb, opsArb, options, numRuns);
}
