/**
 * Which layers are the base: those of the `FROM` image. An image's history lists the base
 * image's steps first, and a base image's steps end with its `CMD` or `ENTRYPOINT` (an empty
 * layer: debian, ubuntu, alpine and busybox all do), so the base is every layer before the last
 * such step that still has a layer after it. Without one, the base is the first layer, as
 * dive counts it (dive/image/analysis.go: every layer but the first is the user's).
 */
import { historyRows, type ImageConfig } from '../image/index.js';

export interface BaseLayers {
  /** Layers 0..count-1 are the base. */
  count: number;
  /** `history`: found at a step of the history; `first-layer`: no step marks it. */
  source: 'history' | 'first-layer';
  /** The history step that ends the base image, and its line. */
  step?: number;
  line?: string;
}

const ENDS_BASE = /^(?:\/bin\/sh -c #\(nop\)\s*)?(?:CMD|ENTRYPOINT)\b/;

export function baseLayers(config: ImageConfig): BaseLayers {
  const rows = historyRows(config);
  const layerCount = config.rootfs.diff_ids.length;
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i]!;
    if (!row.emptyLayer || !ENDS_BASE.test(row.createdBy.trim())) continue;
    if (!rows.slice(i + 1).some((r) => r.layerIndex !== undefined)) continue;
    const count = rows.slice(0, i).filter((r) => r.layerIndex !== undefined).length;
    if (count === 0) break;
    return { count, source: 'history', step: row.step, line: row.createdBy };
  }
  return { count: Math.min(1, layerCount), source: 'first-layer' };
}
