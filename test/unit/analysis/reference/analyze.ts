// The model test/property/analysisColumns.test.ts checks src/analysis against: src/analysis/analyze.ts
// as it was before the analysis moved to layer columns (node objects, maps keyed by path).
/**
 * `overlay analyze`: per layer what it adds, changes and deletes, the image's sizes, dive's
 * metrics exactly as dive computes them, and the corrected ones beside them:
 *
 * - wasted bytes are the bytes of every copy no longer visible at the top (dive counts the
 *   surviving copy too, dive#684, and never files deleted with their directory, nor files an
 *   opaque directory hides);
 * - the base is the whole `FROM` image (see base.ts), not layer 0 alone;
 * - efficiency is visible bytes ÷ all bytes.
 *
 * The law (test/property/analysis.test.ts): corrected wasted bytes = bytes present in some
 * layer but not visible in the merged view at the top.
 */
import { layerHistoryEntries, type ImageConfig } from '../../../../src/image/index.js';
import type { Layer } from '../../../../src/layer/index.js';
import { compareNames } from '../../../../src/path/index.js';
import { baseLayers, type BaseLayers } from '../../../../src/analysis/base.js';
import { diveMetrics, type DiveMetrics } from './diveMetrics.js';
import { walkStack, type HideReason, type HiddenCopy, type LayerEffect } from './stackWalk.js';

export interface AnalyzedLayer {
  index: number;
  /** Its history line (`RUN apt-get install …`), '' when the history has none. */
  createdBy: string;
  diffId?: string;
  /** Content size: bytes of file data, each hard-linked object once. */
  bytes: number;
  base: boolean;
  added: number;
  changed: number;
  deleted: number;
  opaque: number;
}

/** One event of a waste's story: a layer wrote the bytes, or hid them. */
export interface WasteEvent {
  layer: number;
  action: 'written' | HideReason;
}

/** Wasted bytes grouped where they were hidden: a path, or the directory deleted or made opaque. */
export interface Inefficiency {
  path: string;
  /** Copies of files (objects) hidden here. */
  files: number;
  wastedBytes: number;
  /** The layers involved, bottom first. */
  layers: number[];
  events: WasteEvent[];
  /** `written in layer 2 (RUN apt-get install), deleted with its directory in layer 3 (RUN rm -rf /var/cache/apt)` */
  why: string;
}

export interface CorrectedMetrics {
  /** Visible bytes ÷ all bytes (1 when there are none). */
  efficiency: number;
  /** Bytes present in some layer but not visible at the top. */
  wastedBytes: number;
  /** The part written or hidden by a layer above the base. */
  userWastedBytes: number;
  /** userWastedBytes ÷ userBytes (NaN or Infinity when userBytes is 0, as dive's). */
  userWastedPercent: number;
  inefficiencies: Inefficiency[];
}

export interface Analysis {
  layers: AnalyzedLayer[];
  totalBytes: number;
  base: BaseLayers & { bytes: number };
  /** Bytes of the layers above the base. */
  userBytes: number;
  dive: DiveMetrics;
  corrected: CorrectedMetrics;
  /** Per layer, the paths themselves (for tables and trees; not in the JSON). */
  effects: LayerEffect[];
}

export interface AnalyzeInput {
  layers: readonly Layer[];
  /** The image's config: history lines, DiffIDs, and where the base ends. */
  config?: ImageConfig;
  /** History line of each layer (overrides the config's; a container's writable layer has none). */
  createdBy?: readonly string[];
  /** Set the base by hand (layers 0..count-1). */
  baseCount?: number;
}

const PHRASES: Record<WasteEvent['action'], string> = {
  written: 'written',
  overwritten: 'overwritten',
  deleted: 'deleted',
  'deleted-with-directory': 'deleted with its directory',
  'hidden-by-opaque': 'hidden by an opaque directory',
  'replaced-directory': 'its directory replaced by a non-directory',
};

export function analyzeLayers(input: AnalyzeInput): Analysis {
  const { layers } = input;
  const walk = walkStack(layers);
  const base: BaseLayers =
    input.baseCount !== undefined ? { count: input.baseCount, source: 'first-layer' } : input.config !== undefined ? baseLayers(input.config) : { count: Math.min(1, layers.length), source: 'first-layer' };
  const entries = input.config === undefined ? [] : layerHistoryEntries(input.config);
  const createdBy = layers.map((_, i) => input.createdBy?.[i] ?? entries[i]?.created_by ?? '');
  const label = (i: number): string => `layer ${i}${createdBy[i] === '' ? '' : ` (${createdBy[i]})`}`;
  const sizes = layers.map((l) => l.size);
  const totalBytes = sum(sizes);
  const baseBytes = sum(sizes.slice(0, base.count));
  const userBytes = totalBytes - baseBytes;

  // Per layer, the first hiding of each of its paths.
  const firstHide = layers.map(() => new Map<string, HiddenCopy>());
  for (const h of walk.hidden) {
    const hides = firstHide[h.layer]!;
    if (!hides.has(h.path)) hides.set(h.path, h);
  }
  const groups = new Map<string, { path: string; files: number; wastedBytes: number; events: Map<string, WasteEvent> }>();
  let wastedBytes = 0;
  let userWastedBytes = 0;
  for (const { object, visible } of walk.objects) {
    if (visible || object.inode.content.size === 0) continue;
    const size = object.inode.content.size;
    const hides = firstHide[object.layer]!;
    let hide: HiddenCopy | undefined;
    for (let i = 0; hide === undefined && i < object.paths.length; i++) hide = hides.get(object.paths[i]!);
    wastedBytes += size;
    if (hide === undefined) continue;
    if (object.layer >= base.count || hide.by >= base.count) userWastedBytes += size;
    let group = groups.get(hide.at);
    if (group === undefined) groups.set(hide.at, (group = { path: hide.at, files: 0, wastedBytes: 0, events: new Map() }));
    group.files++;
    group.wastedBytes += size;
    group.events.set(`${object.layer} written`, { layer: object.layer, action: 'written' });
    group.events.set(`${hide.by} ${hide.reason}`, { layer: hide.by, action: hide.reason });
  }
  const inefficiencies = [...groups.values()]
    .map((g) => {
      const events = [...g.events.values()].sort((a, b) => a.layer - b.layer || (a.action === 'written' ? -1 : 1));
      return {
        path: g.path,
        files: g.files,
        wastedBytes: g.wastedBytes,
        layers: [...new Set(events.map((e) => e.layer))],
        events,
        why: events.map((e) => `${PHRASES[e.action]} in ${label(e.layer)}`).join(', '),
      };
    })
    .sort((a, b) => b.wastedBytes - a.wastedBytes || compareNames(a.path, b.path));

  return {
    layers: layers.map((layer, i) => {
      const effect = walk.effects[i]!;
      const diffId = input.config?.rootfs.diff_ids[i];
      return {
        index: i,
        createdBy: createdBy[i]!,
        ...(diffId === undefined ? {} : { diffId }),
        bytes: sizes[i]!,
        base: i < base.count,
        added: effect.added.length,
        changed: effect.changed.length,
        deleted: effect.deleted.length,
        opaque: effect.opaque.length,
      };
    }),
    totalBytes,
    base: { ...base, bytes: baseBytes },
    userBytes,
    dive: diveMetrics(layers),
    corrected: {
      efficiency: totalBytes === 0 ? 1 : (totalBytes - wastedBytes) / totalBytes,
      wastedBytes,
      userWastedBytes,
      userWastedPercent: userWastedBytes / userBytes,
      inefficiencies,
    },
    effects: walk.effects,
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
