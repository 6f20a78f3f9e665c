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
import { layerHistoryEntries, type ImageConfig } from '../image/index.js';
import type { Layer } from '../layer/index.js';
import { compareNames } from '../path/index.js';
import { baseLayers, type BaseLayers } from './base.js';
import { diveRows, type DiveMetrics } from './diveMetrics.js';
import { StackRows } from './stackRows.js';
import { walkRows, type HiddenCopy, type HiddenRow, type HideReason, type LayerEffect, type StackWalk } from './stackWalk.js';

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
  const rows = new StackRows(input.layers);
  const walk = walkRows(rows);
  const base = baseOf(input);
  return assembleAnalysis(input, base, walk.effects, correctedWaste(rows, walk, base.count), diveRows(rows));
}

/** Where the base ends: as asked, else as the history says (base.ts), else the first layer. */
export function baseOf(input: AnalyzeInput): BaseLayers {
  if (input.baseCount !== undefined) return { count: input.baseCount, source: 'first-layer' };
  return input.config !== undefined ? baseLayers(input.config) : { count: Math.min(1, input.layers.length), source: 'first-layer' };
}

/** The corrected waste: the bytes no longer visible at the top, grouped where they were hidden. */
export interface Waste {
  wastedBytes: number;
  /** The part written or hidden by a layer above the base. */
  userWastedBytes: number;
  /** By the path or directory where copies were hidden. */
  groups: Map<string, { path: string; files: number; wastedBytes: number; events: WasteEvent[] }>;
}

/** Counts a copy of `size` bytes that layer `layer` wrote and layer `hide.by` hid, in `waste`. */
export function addWaste(waste: Waste, baseCount: number, layer: number, size: number, hide: Pick<HiddenCopy, 'by' | 'reason' | 'at'>): void {
  if (layer >= baseCount || hide.by >= baseCount) waste.userWastedBytes += size;
  let group = waste.groups.get(hide.at);
  if (group === undefined) waste.groups.set(hide.at, (group = { path: hide.at, files: 0, wastedBytes: 0, events: [] }));
  group.files++;
  group.wastedBytes += size;
  for (const event of [{ layer, action: 'written' } as const, { layer: hide.by, action: hide.reason }]) {
    if (!group.events.some((e) => e.layer === event.layer && e.action === event.action)) group.events.push(event);
  }
}

/** Every file object no name of which is visible at the top, each hidden copy counted where it was hidden first. */
function correctedWaste(rows: StackRows, walk: StackWalk, baseCount: number): Waste {
  // Per layer and object, its first hiding: that of its name that comes first in the layer.
  const columns = rows.layers;
  const firstHide = columns.map(() => new Map<number, HiddenRow>());
  for (const h of walk.hidden) {
    const object = columns[h.layer]!.objects[h.row]!;
    const known = firstHide[h.layer]!.get(object);
    if (known === undefined || h.row < known.row) firstHide[h.layer]!.set(object, h);
  }
  const waste: Waste = { wastedBytes: 0, userWastedBytes: 0, groups: new Map() };
  for (let layer = 0; layer < columns.length; layer++) {
    const sizes = columns[layer]!.objectSizes;
    const visible = walk.visibleObjects[layer]!;
    for (let object = 0; object < sizes.length; object++) {
      // Only files weigh: a symlink's size is 0.
      const size = sizes[object]!;
      if (visible[object] === 1 || size === 0) continue;
      waste.wastedBytes += size;
      const hide = firstHide[layer]!.get(object);
      if (hide !== undefined) addWaste(waste, baseCount, layer, size, hide);
    }
  }
  return waste;
}

/** The analysis, from the walk's effects, the corrected waste and dive's numbers. */
export function assembleAnalysis(input: AnalyzeInput, base: BaseLayers, effects: readonly LayerEffect[], waste: Waste, dive: DiveMetrics): Analysis {
  const { layers } = input;
  const entries = input.config === undefined ? [] : layerHistoryEntries(input.config);
  const createdBy = layers.map((_, i) => input.createdBy?.[i] ?? entries[i]?.created_by ?? '');
  const label = (i: number): string => `layer ${i}${createdBy[i] === '' ? '' : ` (${createdBy[i]})`}`;
  const sizes = layers.map((l) => l.size);
  const totalBytes = sum(sizes);
  const baseBytes = sum(sizes.slice(0, base.count));
  const userBytes = totalBytes - baseBytes;
  const inefficiencies = [...waste.groups.values()]
    .map((g) => {
      const events = g.events.sort((a, b) => a.layer - b.layer || (a.action === 'written' ? -1 : 1));
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
      const effect = effects[i]!;
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
    dive,
    corrected: {
      efficiency: totalBytes === 0 ? 1 : (totalBytes - waste.wastedBytes) / totalBytes,
      wastedBytes: waste.wastedBytes,
      userWastedBytes: waste.userWastedBytes,
      userWastedPercent: waste.userWastedBytes / userBytes,
      inefficiencies,
    },
    effects: effects as LayerEffect[],
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
