/**
 * Random stacks of lower layers (bottom first) as `Layer.fromEntries` input, valid per the OCI
 * image-spec layer.md rules, so that a kernel overlay mount of the same stack is well defined.
 */
import * as fc from 'fast-check';
import type { LayerEntryInput } from '../../layer/index.js';
import { DEFAULT_NAMES, cleanPathArb, contentArb, storableNames, symlinkTargetArb } from './_internals/paths.js';

export interface LayerStackConstraints {
  /** Fewest lower layers (default 1). */
  minLayers?: number;
  /** Most lower layers (default 6). */
  maxLayers?: number;
  /**
   * Path components are drawn from these names (default `a b c`; see `UTF8_NAMES`). Entry
   * paths use only those of at most 255 bytes; symlink targets use all.
   */
  names?: readonly string[];
  /** Deepest entry path, in components (default 3). */
  maxDepth?: number;
  /** Most entries generated per layer, before invalid ones are dropped (default 6). */
  maxEntriesPerLayer?: number;
  /** Generate whiteouts (default true). */
  whiteouts?: boolean;
  /** Generate opaque directories (default true). */
  opaqueDirs?: boolean;
  /** Generate symlinks (default true). */
  symlinks?: boolean;
  /** Generate hard links within a layer (default true). */
  hardlinks?: boolean;
  /** Give some entries uid/gid 1 instead of 0 (default true). */
  owners?: boolean;
  /** The mtime (ms) stamped on every entry (default 2020-09-13T12:26:40Z). */
  mtime?: number;
}

type RawEntry =
  | { type: 'file'; path: string; content: string; mode: number; uid: number; gid: number }
  | { type: 'dir' | 'opaque'; path: string; mode: number; uid: number; gid: number }
  | { type: 'symlink'; path: string; target: string; uid: number; gid: number }
  | { type: 'hardlink'; path: string; target: string }
  | { type: 'whiteout'; path: string };

/**
 * What the generator draws. A hard link picks its target among the layer's files and a
 * whiteout picks its path among the names the layers below show (by index, so that both are
 * valid far more often than two random paths would meet).
 */
type DrawnEntry = Exclude<RawEntry, { type: 'hardlink' | 'whiteout' }> | { type: 'hardlink'; path: string; pick: number } | { type: 'whiteout'; pick: number };

function isWithin(path: string, dir: string): boolean {
  return path.startsWith(dir + '/');
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) out.push(path.slice(0, i));
  return out;
}

/** What a stack of layers shows so far: path → dir or not (just enough to validate whiteouts). */
type LowerView = Map<string, 'dir' | 'nondir'>;

function dropBelow(view: LowerView, path: string): void {
  for (const p of [...view.keys()]) if (isWithin(p, path)) view.delete(p);
}

/** OCI layer.md "Changeset over existing files", "Whiteouts", "Opaque Whiteout". */
function applyToView(view: LowerView, entries: readonly Pick<RawEntry, 'type' | 'path'>[]): void {
  for (const e of entries) {
    if (e.type === 'whiteout') {
      view.delete(e.path);
      dropBelow(view, e.path);
    } else if (e.type === 'opaque') {
      dropBelow(view, e.path);
    }
  }
  for (const e of entries) {
    if (e.type === 'whiteout') continue;
    for (const dir of ancestors(e.path).reverse()) {
      if (view.get(dir) !== 'dir') view.set(dir, 'dir');
    }
    if (e.type === 'dir' || e.type === 'opaque') {
      view.set(e.path, 'dir');
    } else {
      dropBelow(view, e.path);
      view.set(e.path, 'nondir');
    }
  }
}

/** Resolves what a drawn entry picked by index: whiteout paths from the lower view. */
function resolveWhiteouts(drawn: readonly DrawnEntry[], lower: LowerView): RawEntry[] {
  const visible = [...lower.keys()].sort();
  const out: RawEntry[] = [];
  for (const e of drawn) {
    if (e.type === 'whiteout') {
      if (visible.length > 0) out.push({ type: 'whiteout', path: visible[e.pick % visible.length]! });
    } else if (e.type === 'hardlink') {
      out.push({ type: 'hardlink', path: e.path, target: String(e.pick) });
    } else {
      out.push(e);
    }
  }
  return out;
}

/**
 * Drops what would make a layer invalid or ill-defined on a kernel mount: a second entry for one
 * path; entries below a non-directory of the same layer; whiteouts inside an opaque directory of
 * the same layer (they remove nothing the opaque directory does not already hide, and OCI
 * layer.md gives them no meaning). Whiteouts
 * only name what a lower layer shows (OCI layer.md "Whiteouts") and hard links point at a file
 * or symlink of the same layer (OCI layer.md "Hardlinks"): `target` holds the pick index.
 */
function normalizeLayer(raw: readonly RawEntry[]): RawEntry[] {
  const byPath = new Map<string, RawEntry>();
  for (const e of raw) if (!byPath.has(e.path)) byPath.set(e.path, e);
  const nondirs = [...byPath.values()].filter((e) => e.type !== 'dir' && e.type !== 'opaque').map((e) => e.path);
  for (const path of [...byPath.keys()]) if (nondirs.some((d) => isWithin(path, d))) byPath.delete(path);
  for (const [path, e] of byPath) {
    if (e.type === 'whiteout' && ancestors(path).some((a) => byPath.get(a)?.type === 'opaque')) byPath.delete(path);
  }
  const linkable = [...byPath.values()].filter((e) => e.type === 'file' || e.type === 'symlink').map((e) => e.path).sort();
  for (const [path, e] of byPath) {
    if (e.type !== 'hardlink') continue;
    const candidates = linkable.filter((p) => p !== path);
    if (candidates.length === 0) byPath.delete(path);
    else byPath.set(path, { ...e, target: candidates[Number(e.target) % candidates.length]! });
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function toInput(e: RawEntry, mtime: number): LayerEntryInput {
  switch (e.type) {
    case 'whiteout':
      return { path: e.path, type: 'whiteout' };
    case 'hardlink':
      return { path: e.path, type: 'hardlink', target: e.target };
    case 'symlink':
      return { path: e.path, type: 'symlink', target: e.target, uid: e.uid, gid: e.gid, mtime };
    case 'file':
      return { path: e.path, type: 'file', content: e.content, mode: e.mode, uid: e.uid, gid: e.gid, mtime };
    default:
      return { path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime };
  }
}

/** Makes a raw stack valid layer by layer, bottom first. */
function normalizeStack(drawn: readonly (readonly DrawnEntry[])[], mtime: number): LayerEntryInput[][] {
  const view: LowerView = new Map();
  return drawn.map((layer) => {
    const valid = normalizeLayer(resolveWhiteouts(layer, view));
    applyToView(view, valid);
    return valid.map((e) => toInput(e, mtime));
  });
}

/**
 * Stacks of 1–6 lower layers over a small name alphabet, so layers collide: files, dirs,
 * opaque dirs, symlinks (relative and absolute, dangling or to dirs), hard links within a layer
 * and whiteouts of names a lower layer has. Bottom layer first, as `new Overlay({ lowers })`.
 */
export function layerStack(constraints: LayerStackConstraints = {}): fc.Arbitrary<LayerEntryInput[][]> {
  const names = constraints.names ?? DEFAULT_NAMES;
  const maxDepth = constraints.maxDepth ?? 3;
  const mtime = constraints.mtime ?? 1_600_000_000_000;
  const path = cleanPathArb(storableNames(names), maxDepth, [3, 3, 2]);
  const owner = constraints.owners === false ? fc.constant(0) : fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });
  const kinds: { weight: number; arbitrary: fc.Arbitrary<DrawnEntry> }[] = [
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant('file' as const),
        path,
        content: contentArb(),
        mode: fc.constantFrom(0o644, 0o600, 0o755, 0o444),
        uid: owner,
        gid: owner,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ type: fc.constant('dir' as const), path, mode: fc.constantFrom(0o755, 0o700, 0o555, 0o775), uid: owner, gid: owner }),
    },
  ];
  if (constraints.opaqueDirs !== false) {
    kinds.push({
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('opaque' as const), path, mode: fc.constantFrom(0o755, 0o700), uid: owner, gid: owner }),
    });
  }
  if (constraints.symlinks !== false) {
    kinds.push({
      weight: 3,
      arbitrary: fc.record({ type: fc.constant('symlink' as const), path, target: symlinkTargetArb(names, maxDepth), uid: owner, gid: owner }),
    });
  }
  if (constraints.hardlinks !== false) {
    kinds.push({ weight: 2, arbitrary: fc.record({ type: fc.constant('hardlink' as const), path, pick: fc.nat(15) }) });
  }
  if (constraints.whiteouts !== false) {
    kinds.push({ weight: 3, arbitrary: fc.record({ type: fc.constant('whiteout' as const), pick: fc.nat(31) }) });
  }
  const layer = fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: constraints.maxEntriesPerLayer ?? 6 });
  return fc
    .array(layer, { minLength: constraints.minLayers ?? 1, maxLength: constraints.maxLayers ?? 6 })
    .map((raw) => normalizeStack(raw, mtime));
}

/**
 * The paths a stack shows when mounted (hidden ones left out), and which of them are not
 * directories: pools for `fsOps({ ...layerStackPaths(stack) })`, so that generated ops mostly
 * meet existing objects of the kind they expect.
 */
export function layerStackPaths(stack: readonly (readonly LayerEntryInput[])[]): { paths: string[]; filePaths: string[] } {
  const view: LowerView = new Map();
  for (const layer of stack) applyToView(view, layer as readonly Pick<RawEntry, 'type' | 'path'>[]);
  const paths = [...view.keys()].sort();
  return { paths, filePaths: paths.filter((p) => view.get(p) === 'nondir') };
}
