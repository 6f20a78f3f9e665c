/**
 * One differential scenario: the same lower layers and ops on the kernel mount and on the
 * emulator; compares every op's outcome, then the whole merged tree, then the upper layers as
 * changesets (copied-up set, deletions, tree after applying each over the lowers).
 */
import * as nodeFs from 'node:fs';
import { Layer, contentBytes, type LayerEntryInput } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';
import {
  FdTable,
  describeNode,
  describeOp,
  describeOutcome,
  diffTrees,
  opPaths,
  runOp,
  snapshotTree,
  type FsLike,
  type FsOp,
  type Outcome,
  type TreeDifference,
  type TreeSnapshot,
} from '../../../src/testing/index.js';
import { appliedTree, appliedView, changedPaths, deletedPaths, kernelChangeset } from './changeset.js';
import type { KernelOverlay } from './kernel.js';
import { mergedView, viewToTree, withoutRoot } from './mergedView.js';
import type { MountMode } from './modes.js';
import { TimeTracker, diffTimes, emulatorNow, timeClassKey } from './times.js';

export interface Scenario {
  name?: string;
  /** Lower layers, bottom first. */
  layers: LayerEntryInput[][];
  ops: FsOp[];
}

export type DivergenceKind = 'op' | 'time' | 'tree' | 'changeset' | 'harness';

export interface Divergence {
  kind: DivergenceKind;
  /** Groups divergences of one cause: `rename: kernel=EXDEV emulator=ok`. */
  classKey: string;
  /** One line. */
  summary: string;
  /** Both sides in full. */
  details: string;
}

process.umask(0o022);

const hostFs = nodeFs as unknown as FsLike;

/** Whether `path` names the root directory once its symlinks are followed (after the op ran). */
function resolvesToRoot(fs: FsLike, path: string): boolean {
  try {
    return fs.statSync(path).ino === fs.statSync('/').ino;
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

function outcomeClass(o: Outcome): string {
  return o.ok ? 'ok' : o.code.startsWith('!') ? o.code.split(':')[0]! : o.code;
}

function pathShape(op: FsOp): string {
  return opPaths(op).some((p) => p.endsWith('/') && p !== '/') ? ' (trailing /)' : '';
}

function describeDifferences(diffs: readonly TreeDifference[], leftName: string, rightName: string, left: TreeSnapshot, right: TreeSnapshot, limit = 8): string {
  const lines = diffs.slice(0, limit).map((d) => `  ${d.path} [${d.field}]\n    ${leftName}: ${describeNode(left.get(d.path))}\n    ${rightName}: ${describeNode(right.get(d.path))}`);
  if (diffs.length > limit) lines.push(`  … ${diffs.length - limit} more`);
  return lines.join('\n');
}

function treeClass(prefix: string, d: TreeDifference, left: TreeSnapshot, right: TreeSnapshot): string {
  const type = (left.get(d.path) ?? right.get(d.path))?.type ?? '?';
  return `${prefix}: ${d.field} of ${type}`;
}

function setDiff(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}

export interface ScenarioContext {
  kernel: KernelOverlay;
}

/** Runs one scenario in one mode; `undefined` when kernel and emulator agree on everything. */
export async function runScenario(ctx: ScenarioContext, mode: MountMode, scenario: Scenario): Promise<Divergence | undefined> {
  const { kernel } = ctx;
  let layers: Layer[];
  try {
    layers = scenario.layers.map((entries) => Layer.fromEntries(entries));
  } catch (error) {
    return { kind: 'harness', classKey: 'harness: invalid layer', summary: `Layer.fromEntries refused the stack: ${String(error)}`, details: '' };
  }
  return kernel.exclusive(() => runMounted(kernel, mode, scenario, layers));
}

async function runMounted(kernel: KernelOverlay, mode: MountMode, scenario: Scenario, layers: Layer[]): Promise<Divergence | undefined> {
  const header = `mode ${mode.name} (${mode.options})\nscenario: ${JSON.stringify(scenario)}\n${describeScenario(scenario)}\n`;
  kernel.noteState(`${header}step: materialize and mount\n`);
  await kernel.helper.arm(watchdogSeconds(), kernel.stateFile);
  try {
    await kernel.materialize(layers);
    kernel.mount(mode);
    try {
      return await compare(kernel, mode, layers, scenario.ops, (step) => kernel.noteState(`${header}step: ${step}\n`));
    } finally {
      kernel.unmount();
    }
  } finally {
    await kernel.helper.disarm();
  }
}

/** A scenario normally takes well under a second; a hung one kills the test process. */
function watchdogSeconds(): number {
  return Number(process.env['CONFORMANCE_WATCHDOG_SECONDS'] ?? 60);
}

async function compare(
  kernel: KernelOverlay,
  mode: MountMode,
  layers: Layer[],
  ops: readonly FsOp[],
  note: (step: string) => void,
): Promise<Divergence | undefined> {
  const root = kernel.mountDir;
  // The emulator's clock moves one second per op, so "now" says which op stamped a time.
  let step = 0;
  const overlay = new Overlay({ lowers: layers, ...mode.emulator, clock: () => emulatorNow(step) });
  const emuFs = overlay.fs as unknown as FsLike;

  // 0. The stack as mounted: the harness against its OCI reference, then the emulator.
  note('initial snapshots');
  const lowerView = mergedView(layers);
  const k0 = snapshotTree(hostFs, root);
  const reference = withoutRoot(viewToTree(lowerView));
  const harnessDiffs = diffTrees(reference, withoutRoot(k0), { ignore: ['nlink'] });
  if (harnessDiffs.length > 0) {
    return {
      kind: 'harness',
      classKey: treeClass('harness: mounted stack vs OCI reference', harnessDiffs[0]!, reference, k0),
      summary: `the kernel mount of the stack differs from the OCI reference at ${harnessDiffs[0]!.path}`,
      details: describeDifferences(harnessDiffs, 'reference', 'kernel', reference, k0),
    };
  }
  const e0 = snapshotTree(emuFs, '');
  const initial = diffTrees(k0, e0);
  if (initial.length > 0) {
    return {
      kind: 'tree',
      classKey: treeClass('tree before any op', initial[0]!, k0, e0),
      summary: `before any op, first differing path ${initial[0]!.path} (${initial[0]!.field})`,
      details: describeDifferences(initial, 'kernel', 'emulator', k0, e0),
    };
  }

  // 1. Every op's outcome, and every path's mtime after it. Fds stay open across ops (one
  // table per side) and are closed before the trees are compared: a mount with open files
  // cannot be unmounted.
  const log: string[] = [];
  const kFds = new FdTable();
  const eFds = new FdTable();
  const kTimes = new TimeTracker(hostFs, root, 'kernel');
  const eTimes = new TimeTracker(emuFs, '', 'emulator');
  try {
    let before = { kernel: kTimes.observe(0), emulator: eTimes.observe(0) };
    const timeDivergence = (op: FsOp | undefined, i: number): Divergence | undefined => {
      // The root's own time differs between the sides (labelled `root`); a time set on it
      // explicitly is a value on both, even when it happens to equal the old one on one side.
      // utimes follows symlinks, so a link to `/` sets it too (seed 271828: a hard link to a
      // symlink to `/`).
      if (op !== undefined && (op.op === 'utimes' || op.op === 'lutimes') && (op.path === '/' || (op.op === 'utimes' && resolvesToRoot(emuFs, op.path)))) {
        kTimes.forget('/');
        eTimes.forget('/');
      }
      const now = { kernel: kTimes.observe(i), emulator: eTimes.observe(i) };
      const diffs = diffTimes(now.kernel, now.emulator);
      const previous = before;
      before = now;
      if (diffs.length === 0) return undefined;
      const lines = diffs.slice(0, 8).map((d) => `  ${d.path}: kernel ${d.kernel} (was ${previous.kernel.get(d.path)}), emulator ${d.emulator} (was ${previous.emulator.get(d.path)})`);
      return {
        kind: 'time',
        classKey: timeClassKey(op, i, diffs[0]!, previous),
        summary: `${op === undefined ? 'before any op' : `after op ${i} ${describeOp(op)}`}, mtime of ${diffs[0]!.path} differs`,
        details: `${log.join('\n')}\n${lines.join('\n')}`,
      };
    };
    const initialTimes = timeDivergence(undefined, 0);
    if (initialTimes !== undefined) return initialTimes;
    for (const [index, op] of ops.entries()) {
      const i = index + 1;
      step = i;
      kTimes.settle();
      note(`op ${i} ${describeOp(op)} on the kernel`);
      const k = runOp(hostFs, root, op, kFds);
      note(`op ${i} ${describeOp(op)} on the emulator`);
      const e = runOp(emuFs, '', op, eFds);
      log.push(`  ${i}. ${describeOp(op)} → ${describeOutcome(k)}`);
      if (canonical(k) !== canonical(e)) {
        const kc = outcomeClass(k);
        const ec = outcomeClass(e);
        return {
          kind: 'op',
          classKey: `${op.op}${pathShape(op)}: kernel=${kc} emulator=${ec === kc ? `${ec} (other value)` : ec}`,
          summary: `op ${i} ${describeOp(op)}: kernel ${describeOutcome(k)}, emulator ${describeOutcome(e)}`,
          details: [...log.slice(0, -1), `  ${i}. ${describeOp(op)}`, `     kernel:   ${describeOutcome(k)}`, `     emulator: ${describeOutcome(e)}`].join('\n'),
        };
      }
      const times = timeDivergence(op, i);
      if (times !== undefined) return times;
    }
  } finally {
    kFds.closeAll(hostFs);
    eFds.closeAll(emuFs);
  }

  // 2. The whole merged tree.
  note('final snapshots and changesets');
  const kTree = snapshotTree(hostFs, root);
  const eTree = snapshotTree(emuFs, '');
  const treeDiffs = diffTrees(kTree, eTree);
  if (treeDiffs.length > 0) {
    return {
      kind: 'tree',
      classKey: treeClass('final tree', treeDiffs[0]!, kTree, eTree),
      summary: `after the ops, first differing path ${treeDiffs[0]!.path} (${treeDiffs[0]!.field})`,
      details: `${log.join('\n')}\n${describeDifferences(treeDiffs, 'kernel', 'emulator', kTree, eTree)}`,
    };
  }

  // 3. The upper layers as changesets.
  const upper = await kernel.scanUpper();
  const { layer: kCs, outsideUpper } = kernelChangeset({ upper, tree: kTree, lowerTree: reference, readMerged: (p) => nodeFs.readFileSync(root + p), mountDir: root });
  let eCs: Layer;
  try {
    eCs = await overlay.commit();
  } catch (error) {
    return { kind: 'changeset', classKey: 'commit threw', summary: `overlay.commit() threw ${String(error)}`, details: log.join('\n') };
  }
  const kView = appliedView(layers, kCs);
  const kApplied = appliedTree(kView);
  const kMount = withoutRoot(kTree);
  const selfCheck = diffTrees(kApplied, kMount, { ignore: ['nlink'] });
  if (selfCheck.length > 0) {
    return {
      kind: 'harness',
      classKey: treeClass('harness: kernel changeset does not reproduce the mount', selfCheck[0]!, kApplied, kTree),
      summary: `the kernel upper dir read as a changeset, applied over the lowers, differs from the mount at ${selfCheck[0]!.path}`,
      details: `${log.join('\n')}\n${describeDifferences(selfCheck, 'applied', 'mount', kApplied, kMount)}\nupper dir:\n${upper.map((u) => `  ${u.p} ${u.k} ${u.m.toString(8)} ${JSON.stringify(u.x)}`).join('\n')}`,
    };
  }
  const kChanged = changedPaths(kCs, outsideUpper);
  const eChanged = changedPaths(eCs, outsideUpper);
  const onlyKernel = setDiff(kChanged, eChanged);
  const onlyEmu = setDiff(eChanged, kChanged);
  const csDetails = (): string => `${log.join('\n')}\nkernel changeset:\n${describeChangeset(kCs)}\nemulator changeset:\n${describeChangeset(eCs)}`;
  if (onlyKernel.length > 0 || onlyEmu.length > 0) {
    return {
      kind: 'changeset',
      classKey: `copied-up set: ${onlyKernel.length > 0 ? 'kernel-only' : ''}${onlyKernel.length > 0 && onlyEmu.length > 0 ? '+' : ''}${onlyEmu.length > 0 ? 'emulator-only' : ''}`,
      summary: `copied up or created only by the kernel: [${onlyKernel.join(', ')}]; only by the emulator: [${onlyEmu.join(', ')}]`,
      details: csDetails(),
    };
  }
  const eView = appliedView(layers, eCs);
  const kDeleted = deletedPaths(lowerView, kView);
  const eDeleted = deletedPaths(lowerView, eView);
  const delK = setDiff(kDeleted, eDeleted);
  const delE = setDiff(eDeleted, kDeleted);
  if (delK.length > 0 || delE.length > 0) {
    return {
      kind: 'changeset',
      classKey: 'deletions differ',
      summary: `deleted only by the kernel: [${delK.join(', ')}]; only by the emulator: [${delE.join(', ')}]`,
      details: csDetails(),
    };
  }
  const eApplied = appliedTree(eView);
  const appliedDiffs = diffTrees(kApplied, eApplied, { ignore: ['nlink'] });
  if (appliedDiffs.length > 0) {
    return {
      kind: 'changeset',
      classKey: treeClass('changeset applied over the lowers', appliedDiffs[0]!, kApplied, eApplied),
      summary: `the changesets applied over the lowers differ, first at ${appliedDiffs[0]!.path} (${appliedDiffs[0]!.field})`,
      details: `${csDetails()}\n${describeDifferences(appliedDiffs, 'kernel', 'emulator', kApplied, eApplied)}`,
    };
  }
  return undefined;
}

/** One line per entry: `/a file 644 "x"`, `/b whiteout`, `/c opaque 755`. */
export function describeChangeset(layer: Layer): string {
  const lines = layer.entries().map((e) => {
    const parts = [`  ${e.path}`, e.type];
    if (e.mode !== undefined && e.type !== 'symlink') parts.push(e.mode.toString(8));
    if (e.uid !== undefined && (e.uid !== 0 || e.gid !== 0)) parts.push(`${e.uid}:${e.gid}`);
    if (e.content !== undefined) parts.push(JSON.stringify(new TextDecoder().decode(e.content.subarray(0, 40))) + (e.content.length > 40 ? `…(${e.content.length})` : ''));
    if (e.target !== undefined) parts.push(e.type === 'hardlink' ? `=> ${e.target}` : `-> ${JSON.stringify(e.target)}`);
    return parts.join(' ');
  });
  return lines.length > 0 ? lines.join('\n') : '  (empty)';
}

/** The scenario as readable lines: layers bottom first, then the ops. */
export function describeScenario(scenario: Scenario): string {
  const lines: string[] = [];
  if (scenario.name !== undefined) lines.push(`case ${scenario.name}`);
  scenario.layers.forEach((layer, i) => {
    lines.push(`  L${i}${i === 0 ? ' (bottom)' : ''}${i === scenario.layers.length - 1 ? ' (top)' : ''}:`);
    for (const e of layer) {
      const parts = [`    ${e.type} ${e.path}`];
      if (e.type === 'symlink') parts.push(`-> ${JSON.stringify(e.target)}`);
      else if (e.type === 'hardlink') parts.push(`=> ${e.target}`);
      if (e.content !== undefined) parts.push(JSON.stringify(typeof e.content === 'string' ? e.content : new TextDecoder().decode(e.content instanceof Uint8Array ? e.content : contentBytes(e.content))));
      if (e.mode !== undefined && e.type !== 'symlink') parts.push(e.mode.toString(8));
      if ((e.uid ?? 0) !== 0 || (e.gid ?? 0) !== 0) parts.push(`${e.uid ?? 0}:${e.gid ?? 0}`);
      lines.push(parts.join(' '));
    }
    if (layer.length === 0) lines.push('    (empty)');
  });
  lines.push('  ops:');
  scenario.ops.forEach((op, i) => lines.push(`    ${i + 1}. ${describeOp(op)}`));
  return lines.join('\n');
}

/** A divergence with its scenario, for a test failure message. */
export function formatDivergence(mode: MountMode, scenario: Scenario, d: Divergence): string {
  return [
    `${d.kind === 'harness' ? 'HARNESS PROBLEM' : 'DIVERGENCE'} [${mode.name}] ${d.classKey}`,
    d.summary,
    'scenario (as JSON, for replay):',
    JSON.stringify(scenario),
    describeScenario(scenario),
    'details:',
    d.details,
  ].join('\n');
}
