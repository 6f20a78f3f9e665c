/**
 * mtimes compared after every op, on every path (so every parent dir too), by class rather than
 * by value: "unchanged" since the op before, "now" (stamped by this op), or an exact value (a time
 * set by utimes or carried from a layer). The two clocks never agree on a value, so "now" is
 * recognised per side: the kernel's is within an hour of the wall clock, the emulator's comes from
 * the harness clock, which moves one second per op.
 */
import { opPaths, snapshotTimes, type FsLike, type FsOp } from '../../../src/testing/index.js';

/** The emulator's clock for op `i` (1-based) of a scenario: far from any generated set time. */
export const EMULATOR_EPOCH = 1_700_000_000_000;

export function emulatorNow(step: number): number {
  return EMULATOR_EPOCH + step * 1000;
}

const isKernelNow = (ms: number): boolean => Math.abs(ms - Date.now()) < 3_600_000;
const isEmulatorNow = (ms: number): boolean => ms >= EMULATOR_EPOCH && ms < EMULATOR_EPOCH + 10_000_000;

interface Stamp {
  raw: number;
  /** `now@3` (stamped by op 3), `=1500000000000`, `root` (the mount's own, before any op). */
  label: string;
}

/**
 * The kernel stamps an update that follows no stat with its coarse clock, which lags the wall
 * clock by up to one tick (10 ms at HZ=100) and may repeat the last fine-grained stamp
 * (Documentation/filesystems/multigrain-ts.rst); the catalogue case "rename-mass: lower files
 * rotated" saw two renames share one stamp. Waiting one tick past the latest "now" seen makes
 * the next op's stamp a new value.
 */
const TICK_MS = 11;

/** One side's mtimes as the ops go. */
export class TimeTracker {
  readonly #fs: FsLike;
  readonly #root: string;
  readonly #isNow: (ms: number) => boolean;
  #stamps = new Map<string, Stamp>();
  #latestNow = 0;

  constructor(fs: FsLike, root: string, side: 'kernel' | 'emulator') {
    this.#fs = fs;
    this.#root = root;
    this.#isNow = side === 'kernel' ? isKernelNow : isEmulatorNow;
  }

  /** Drops what is known of `path`'s time, so the next `observe` labels it afresh. */
  forget(path: string): void {
    this.#stamps.delete(path);
  }

  /** Walks the tree after op `step` (0 = before any op); returns path → label. */
  observe(step: number): Map<string, string> {
    const next = new Map<string, Stamp>();
    for (const [path, raw] of snapshotTimes(this.#fs, this.#root)) {
      const before = this.#stamps.get(path);
      let label: string;
      if (before !== undefined && before.raw === raw) label = before.label;
      else if (step === 0 && path === '/') label = 'root';
      else if (this.#isNow(raw)) {
        label = `now@${step}`;
        this.#latestNow = Math.max(this.#latestNow, raw);
      }
      else label = `=${Math.round(raw * 1000) / 1000}`;
      next.set(path, { raw, label });
    }
    this.#stamps = next;
    return new Map([...next].map(([p, s]) => [p, s.label]));
  }

  /** Before the next op: lets the kernel's coarse clock pass the latest stamp (busy wait, ≤ 11 ms). */
  settle(): void {
    if (this.#isNow !== isKernelNow) return;
    while (Date.now() < this.#latestNow + TICK_MS) {
      /* spin: a sync op sequence cannot await */
    }
  }
}

export interface TimeDifference {
  path: string;
  kernel: string | undefined;
  emulator: string | undefined;
}

export function diffTimes(kernel: Map<string, string>, emulator: Map<string, string>): TimeDifference[] {
  const out: TimeDifference[] = [];
  for (const path of [...new Set([...kernel.keys(), ...emulator.keys()])].sort()) {
    const k = kernel.get(path);
    const e = emulator.get(path);
    // A path only one side has is the tree comparison's business.
    if (k !== undefined && e !== undefined && k !== e) out.push({ path, kernel: k, emulator: e });
  }
  return out;
}

/** `unchanged`, `now` or `set` for a label seen after op `step`, given the one before it. */
function relative(label: string | undefined, before: string | undefined, step: number): string {
  if (label === undefined) return 'absent';
  if (step === 0) return label.startsWith('=') ? 'value' : label;
  if (label === before) return 'unchanged';
  return label === `now@${step}` ? 'now' : 'set';
}

function clean(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return '/' + parts.join('/');
}

/** What `path` is to `op`: its target, a target's parent dir, or another path. */
function roleOf(op: FsOp | undefined, path: string): string {
  if (op === undefined) return 'path';
  const targets = opPaths(op).map(clean);
  if (targets.includes(path)) return 'target';
  if (targets.some((t) => (t.slice(0, t.lastIndexOf('/')) || '/') === path)) return 'parent';
  return 'other path';
}

/** A class key: `mtime of parent after rename: kernel=now emulator=unchanged`. */
export function timeClassKey(op: FsOp | undefined, step: number, d: TimeDifference, before: { kernel: Map<string, string>; emulator: Map<string, string> }): string {
  const where = op === undefined ? 'before any op' : `after ${op.op}`;
  const k = relative(d.kernel, before.kernel.get(d.path), step);
  const e = relative(d.emulator, before.emulator.get(d.path), step);
  return `mtime of ${roleOf(op, d.path)} ${where}: kernel=${k} emulator=${e === k ? `${e} (other value)` : e}`;
}
