import { chainIds } from '../digest/index.js';
import type { HistoryEntry, ImageConfig } from './types.js';

/** One step of an image's history, paired with its layer (`docker history`). */
export interface HistoryRow {
  /** Position in `config.history` (or in `diff_ids` when the config has no history). */
  step: number;
  created?: string;
  createdBy: string;
  author?: string;
  comment?: string;
  emptyLayer: boolean;
  /** For steps with a layer: its index in `rootfs.diff_ids`, DiffID and ChainID. */
  layerIndex?: number;
  diffId?: string;
  chainId?: string;
}

/**
 * The history of an image base first: the k-th non-empty history entry describes the k-th
 * DiffID (config.md). DiffIDs no entry describes (a config with short or no history) get
 * rows of their own with an empty `createdBy`.
 */
export function historyRows(config: ImageConfig): HistoryRow[] {
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const rows: HistoryRow[] = [];
  let layer = 0;
  const history: readonly HistoryEntry[] = config.history ?? [];
  history.forEach((entry, step) => {
    const row: HistoryRow = { step, createdBy: entry.created_by ?? '', emptyLayer: entry.empty_layer === true };
    if (entry.created !== undefined) row.created = entry.created;
    if (entry.author !== undefined) row.author = entry.author;
    if (entry.comment !== undefined) row.comment = entry.comment;
    if (!row.emptyLayer && layer < diffIds.length) {
      row.layerIndex = layer;
      row.diffId = diffIds[layer]!;
      row.chainId = chains[layer]!;
      layer++;
    }
    rows.push(row);
  });
  for (; layer < diffIds.length; layer++) {
    rows.push({ step: rows.length, createdBy: '', emptyLayer: false, layerIndex: layer, diffId: diffIds[layer]!, chainId: chains[layer]! });
  }
  return rows;
}

/** The history entry describing each layer (index = layer index), `undefined` where none does. */
export function layerHistoryEntries(config: ImageConfig): (HistoryEntry | undefined)[] {
  const out: (HistoryEntry | undefined)[] = config.rootfs.diff_ids.map(() => undefined);
  const history = config.history ?? [];
  for (const row of historyRows(config)) if (row.layerIndex !== undefined) out[row.layerIndex] = history[row.step];
  return out;
}
