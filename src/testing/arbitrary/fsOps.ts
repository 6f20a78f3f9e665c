/**
 * Random sequences of filesystem operations over the same small name alphabet as `layerStack`,
 * so that ops hit lower files, dirs, symlinked dirs and whiteouts. Paths may carry a trailing
 * slash; they never contain `..` (see `symlinkTargetArb`).
 */
import * as fc from 'fast-check';
import type { AccessMode, FsOp, FsOpName, OpenFlag } from '../ops.js';
import { DEFAULT_NAMES, cleanPathArb, contentArb, symlinkTargetArb } from './_internals/paths.js';
import { WIDENED_WEIGHTS, bigDataArb, lengthArb, modeArb, ownerArb, timeArb, widenedOpArbs } from './widenedOps.js';

export interface FsOpsConstraints {
  /** Path components are drawn from these names (default `a b c`; see `UTF8_NAMES`). */
  names?: readonly string[];
  /** Deepest path, in components (default 3). */
  maxDepth?: number;
  /** Fewest ops (default 1). */
  minLength?: number;
  /** Most ops (default 12). */
  maxLength?: number;
  /** Sometimes end a path with `/` (default true). */
  trailingSlashes?: boolean;
  /** Only these op kinds (default: all). */
  ops?: readonly FsOpName[];
  /**
   * Paths to favour, such as those of the layer stack the ops will run on (see
   * `layerStackPaths`): drawn about as often as fresh paths from `names`, so that most ops meet
   * an existing object.
   */
  paths?: readonly string[];
  /** Non-directories among `paths`, favoured by ops that expect a file. */
  filePaths?: readonly string[];
  /**
   * The widened space (default false): open files in four fd slots and every fd-taking call
   * (`FD_OP_NAMES`), `lchown`, `lutimes`, block-edge and 1 MiB data, sparse offsets, set-id
   * modes, `-1` owners, negative and fractional times and lengths. See `widenedOps.ts`.
   */
  widened?: boolean;
}

type ClassicOpName = Exclude<FsOpName, keyof typeof WIDENED_WEIGHTS>;

/** Relative frequency of each op kind: mutations dominate, reads keep checking state. */
const WEIGHTS: Record<ClassicOpName, number> = {
  writeFile: 6,
  appendFile: 3,
  truncate: 3,
  chmod: 3,
  chown: 1,
  utimes: 2,
  unlink: 5,
  rmdir: 4,
  rm: 2,
  mkdir: 5,
  rename: 8,
  symlink: 3,
  link: 4,
  copyFile: 1,
  open: 6,
  readFile: 3,
  readdir: 3,
  stat: 2,
  lstat: 2,
  readlink: 1,
  exists: 1,
  realpath: 1,
  access: 1,
  sameInode: 2,
};

/** Not the root under any spelling (`/`, `//`, `/./`). */
const notRoot = (path: string): boolean => path.replace(/[/.]/g, '') !== '';

function withoutUndefined<T extends object>(value: T): T {
  const out = { ...value };
  for (const key of Object.keys(out) as (keyof T)[]) if (out[key] === undefined) delete out[key];
  return out;
}

export function fsPathArb(names: readonly string[], maxDepth: number, trailingSlashes: boolean, favoured: readonly string[] = []): fc.Arbitrary<string> {
  const fresh = cleanPathArb(names, maxDepth);
  const pool = favoured.filter((p) => p !== '/' && p.startsWith('/'));
  const clean = pool.length === 0 ? fresh : fc.oneof({ weight: 1, arbitrary: fresh }, { weight: 1, arbitrary: fc.constantFrom(...pool) });
  const variants: { weight: number; arbitrary: fc.Arbitrary<string> }[] = [
    { weight: 20, arbitrary: clean },
    { weight: 1, arbitrary: fc.constant('/') },
    // `/a/./b` and `/a//b` walk like `/a/b`.
    { weight: 1, arbitrary: clean.map((p) => p.replace(/\/([^/]*)$/, '/./$1')) },
    { weight: 1, arbitrary: clean.map((p) => p.replace(/\/([^/]*)$/, '//$1')) },
  ];
  if (trailingSlashes) variants.push({ weight: 4, arbitrary: clean.map((p) => p + '/') });
  return fc.oneof(...variants);
}

/** Directories a pool of existing paths implies: the root and every proper ancestor. */
function knownDirs(paths: readonly string[]): string[] {
  const dirs = new Set<string>(['/']);
  for (const p of paths) {
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) dirs.add(p.slice(0, i));
  }
  return [...dirs].sort();
}

function newNameArb(names: readonly string[], paths: readonly string[], path: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const child = fc
    .tuple(fc.constantFrom(...knownDirs(paths)), fc.constantFrom(...names))
    .map(([dir, name]) => (dir === '/' ? `/${name}` : `${dir}/${name}`));
  return fc.oneof({ weight: 1, arbitrary: path }, { weight: 1, arbitrary: child });
}

export function fsOpArb(constraints: FsOpsConstraints = {}): fc.Arbitrary<FsOp> {
  const names = constraints.names ?? DEFAULT_NAMES;
  const maxDepth = constraints.maxDepth ?? 3;
  const path = fsPathArb(names, maxDepth, constraints.trailingSlashes !== false, constraints.paths);
  // Where something new is made (link, symlink, rename and copy targets, mkdir, writeFile):
  // often a fresh name inside a directory that exists, rather than an existing path.
  const dest = newNameArb(names, constraints.paths ?? [], path);
  const files = constraints.filePaths ?? [];
  const file = files.length === 0 ? path : fc.oneof({ weight: 1, arbitrary: path }, { weight: 1, arbitrary: fc.constantFrom(...files) });
  const widened = constraints.widened === true;
  const data = widened ? bigDataArb() : contentArb();
  const mode = widened ? modeArb : fc.constantFrom(0o644, 0o600, 0o755, 0o700, 0o444, 0o777, 0o2755);
  const optMode = fc.option(fc.constantFrom(0o644, 0o600, 0o755, 0o700, 0o777), { nil: undefined, freq: 3 });
  const access = fc.constantFrom<OpenFlag>('O_RDONLY', 'O_WRONLY', 'O_RDWR');
  const extra = fc.subarray<OpenFlag>(['O_CREAT', 'O_EXCL', 'O_TRUNC', 'O_APPEND']);
  const rare = fc.oneof(
    { weight: 8, arbitrary: fc.constant<OpenFlag[]>([]) },
    { weight: 1, arbitrary: fc.constant<OpenFlag[]>(['O_DIRECTORY']) },
    { weight: 1, arbitrary: fc.constant<OpenFlag[]>(['O_NOFOLLOW']) },
  );
  const byKind: Record<ClassicOpName, fc.Arbitrary<FsOp>> = {
    readFile: fc.record({ op: fc.constant('readFile' as const), path: file }),
    writeFile: fc.record({ op: fc.constant('writeFile' as const), path: dest, data }),
    appendFile: fc.record({ op: fc.constant('appendFile' as const), path: file, data }),
    truncate: fc.record({
      op: fc.constant('truncate' as const),
      path: file,
      len: widened ? lengthArb : fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 1, arbitrary: fc.constant(70_000) }),
    }),
    chmod: fc.record({ op: fc.constant('chmod' as const), path, mode }),
    chown: fc.record({ op: fc.constant('chown' as const), path, uid: widened ? ownerArb : fc.constantFrom(0, 1, 2), gid: widened ? ownerArb : fc.constantFrom(0, 1, 2) }),
    utimes: fc.record({
      op: fc.constant('utimes' as const),
      path,
      atime: widened ? timeArb : fc.constantFrom(1000, 2_000_000_000),
      mtime: widened ? timeArb : fc.constantFrom(1000, 1_500_000_000),
    }),
    unlink: fc.record({ op: fc.constant('unlink' as const), path: file }),
    rmdir: fc.record({ op: fc.constant('rmdir' as const), path }),
    rm: fc.record({ op: fc.constant('rm' as const), path }),
    mkdir: fc
      .record({ op: fc.constant('mkdir' as const), path: dest, mode: optMode, recursive: fc.option(fc.constant(true), { nil: undefined, freq: 4 }) })
      .map(withoutUndefined),
    // Never the root (here and for open/copyFile targets): on a kernel mount the root is the
    // mount directory reached through the host, so rename gives EXDEV and O_CREAT|O_EXCL
    // EISDIR there, where a real root (and the emulator) gives EBUSY and EEXIST.
    rename: fc.record({ op: fc.constant('rename' as const), from: path.filter(notRoot), to: dest.filter(notRoot) }),
    symlink: fc.record({ op: fc.constant('symlink' as const), target: symlinkTargetArb(names, maxDepth), path: dest }),
    link: fc.record({ op: fc.constant('link' as const), from: file, to: dest }),
    copyFile: fc.record({ op: fc.constant('copyFile' as const), from: file, to: dest.filter(notRoot), excl: fc.option(fc.constant(true), { nil: undefined }) }).map(withoutUndefined),
    readdir: fc.record({ op: fc.constant('readdir' as const), path }),
    stat: fc.record({ op: fc.constant('stat' as const), path }),
    lstat: fc.record({ op: fc.constant('lstat' as const), path }),
    readlink: fc.record({ op: fc.constant('readlink' as const), path: file }),
    exists: fc.record({ op: fc.constant('exists' as const), path }),
    realpath: fc.record({ op: fc.constant('realpath' as const), path }),
    access: fc.record({ op: fc.constant('access' as const), path, mode: fc.constantFrom<AccessMode>('F_OK', 'R_OK', 'W_OK', 'X_OK') }),
    sameInode: fc.record({ op: fc.constant('sameInode' as const), path, other: path }),
    open: fc
      .record({
        op: fc.constant('open' as const),
        path: fc.oneof(file, dest).filter(notRoot),
        flags: fc.tuple(access, extra, rare).map(([a, e, r]) => [...(a === 'O_RDONLY' ? [] : [a]), ...e, ...r]),
        mode: optMode,
        write: fc.option(data, { nil: undefined, freq: 2 }),
        truncate: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined, freq: 5 }),
      })
      .map(withoutUndefined),
  };
  const all: Record<FsOpName, fc.Arbitrary<FsOp>> = { ...byKind, ...widenedOpArbs({ path, file, dest, notRoot }) };
  const weights: Record<FsOpName, number> = { ...WEIGHTS, ...WIDENED_WEIGHTS };
  const defaults = Object.keys(widened ? weights : WEIGHTS) as FsOpName[];
  const kinds = (constraints.ops ?? defaults).map((kind) => ({ weight: weights[kind], arbitrary: all[kind] }));
  return fc.oneof(...kinds);
}

/** Sequences of `FsOp`s (1–12 by default). */
export function fsOps(constraints: FsOpsConstraints = {}): fc.Arbitrary<FsOp[]> {
  return fc.array(fsOpArb(constraints), { minLength: constraints.minLength ?? 1, maxLength: constraints.maxLength ?? 12 });
}
