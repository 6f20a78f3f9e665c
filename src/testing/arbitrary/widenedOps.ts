/**
 * The widened op space of issue 11 (test/conformance/README.md, "What the random scenarios
 * cover"): open files held across other ops in four fd slots, every fs call that takes an fd,
 * data around the 64 KiB block size, 1 MiB and sparse past it, set-id modes, `-1` owners,
 * negative and fractional times and lengths (Node's own API edges).
 */
import * as fc from 'fast-check';
import type { FsData } from '../_internals/bytes.js';
import type { FdOpenFlag, FdOpName, FdSlot } from '../fdOps.js';
import type { FsOp } from '../ops.js';
import { contentArb } from './_internals/paths.js';

const KIB64 = 64 * 1024;
const MIB = 1024 * 1024;

/** Sizes where block-wise storage can go wrong: one block ±1, two blocks +1, 1 MiB. */
export const EDGE_SIZES: readonly number[] = [KIB64 - 1, KIB64, KIB64 + 1, 2 * KIB64 + 1, MIB];

/** Short text mostly; sometimes a block-edge size; rarely 1 MiB. */
export function bigDataArb(): fc.Arbitrary<FsData> {
  return fc.oneof(
    { weight: 6, arbitrary: contentArb() },
    {
      weight: 2,
      arbitrary: fc.record({ fill: fc.constantFrom('ab', 'x', 'é'), size: fc.constantFrom(KIB64 - 1, KIB64, KIB64 + 1, 2 * KIB64 + 1) }),
    },
    { weight: 1, arbitrary: fc.record({ fill: fc.constant('M'), size: fc.constant(MIB) }) },
  );
}

/** Offsets at, before and past EOF of short and block-edge files; sparse past 1 MiB. */
export const positionArb: fc.Arbitrary<number | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.constantFrom(0, 1, 3, 5, 12) },
  { weight: 2, arbitrary: fc.constantFrom(KIB64 - 1, KIB64, KIB64 + 1, MIB + 100_000) },
  // Node's edges: -1 means "the fd's position" for reads; fractions and other negatives fail.
  { weight: 1, arbitrary: fc.constantFrom(-1, -2, 1.5) },
);

/** Lengths for truncate and ftruncate: shrink, grow, block edges, Node's negative. */
export const lengthArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom(KIB64 - 1, KIB64, KIB64 + 1, MIB + 1) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5) },
);

/** Times (seconds): set values, Node's "now" for negatives, fractions, the epoch. */
export const timeArb: fc.Arbitrary<number> = fc.constantFrom(1000, 1_500_000_000, 1_234_567_890.5, 0, -1, -1000.25);

/** Owners, `-1` = leave as is (chown(2)). */
export const ownerArb: fc.Arbitrary<number> = fc.constantFrom(0, 1, 2, -1);

/** Modes with set-id and sticky bits, to see them cleared by chown and by writes. */
export const modeArb: fc.Arbitrary<number> = fc.constantFrom(0o644, 0o600, 0o755, 0o444, 0o777, 0o4755, 0o2755, 0o6755, 0o2775, 0o1777);

/** Slots 0 and 1 mostly, so that ops meet the fds opened before them. */
const slotArb: fc.Arbitrary<FdSlot> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<FdSlot>(0, 1) },
  { weight: 1, arbitrary: fc.constantFrom<FdSlot>(2, 3) },
);

const FLAGS: readonly FdOpenFlag[] = ['r', 'r+', 'w', 'w+', 'wx', 'a', 'a+', 'dir'];

/** Relative frequency of the widened kinds (`fsOps({ widened: true })`). */
export const WIDENED_WEIGHTS: Record<FdOpName | 'lchown' | 'lutimes', number> = {
  fdOpen: 8,
  fdRead: 5,
  fdWrite: 6,
  fdTruncate: 2,
  fdStat: 4,
  fdClose: 2,
  fdChmod: 1,
  fdChown: 1,
  fdUtimes: 1,
  fdSync: 1,
  fdReadFile: 1,
  fdWriteFile: 1,
  opendir: 1,
  lchown: 1,
  lutimes: 1,
};

export interface WidenedPaths {
  /** Any path. */
  path: fc.Arbitrary<string>;
  /** An existing non-directory, often. */
  file: fc.Arbitrary<string>;
  /** Where something new may be made. */
  dest: fc.Arbitrary<string>;
  /** Not the root (see fsOps' note on rename). */
  notRoot: (path: string) => boolean;
}

export function widenedOpArbs({ path, file, dest, notRoot }: WidenedPaths): Record<keyof typeof WIDENED_WEIGHTS, fc.Arbitrary<FsOp>> {
  const optMode = fc.option(fc.constantFrom(0o644, 0o600, 0o4755, 0o2755), { nil: undefined, freq: 3 });
  const fd = slotArb;
  return {
    fdOpen: fc
      .record({
        op: fc.constant('fdOpen' as const),
        fd,
        path: fc.oneof({ weight: 3, arbitrary: file }, { weight: 1, arbitrary: dest }, { weight: 1, arbitrary: path }).filter(notRoot),
        flags: fc.constantFrom(...FLAGS),
        mode: optMode,
      })
      .map(({ mode, ...rest }) => (mode === undefined ? rest : { ...rest, mode })),
    fdRead: fc.record({ op: fc.constant('fdRead' as const), fd, length: fc.constantFrom(0, 1, 5, 100, KIB64 + 1, -1), position: positionArb }),
    fdWrite: fc.record({ op: fc.constant('fdWrite' as const), fd, data: bigDataArb(), position: positionArb }),
    fdTruncate: fc.record({ op: fc.constant('fdTruncate' as const), fd, len: lengthArb }),
    fdStat: fc.record({ op: fc.constant('fdStat' as const), fd }),
    fdClose: fc.record({ op: fc.constant('fdClose' as const), fd }),
    fdChmod: fc.record({ op: fc.constant('fdChmod' as const), fd, mode: modeArb }),
    fdChown: fc.record({ op: fc.constant('fdChown' as const), fd, uid: ownerArb, gid: ownerArb }),
    fdUtimes: fc.record({ op: fc.constant('fdUtimes' as const), fd, atime: timeArb, mtime: timeArb }),
    fdSync: fc.record({ op: fc.constant('fdSync' as const), fd, data: fc.boolean() }),
    fdReadFile: fc.record({ op: fc.constant('fdReadFile' as const), fd }),
    fdWriteFile: fc.record({ op: fc.constant('fdWriteFile' as const), fd, data: bigDataArb() }),
    opendir: fc.record({ op: fc.constant('opendir' as const), path }),
    lchown: fc.record({ op: fc.constant('lchown' as const), path, uid: ownerArb, gid: ownerArb }),
    lutimes: fc.record({ op: fc.constant('lutimes' as const), path, atime: timeArb, mtime: timeArb }),
  };
}
