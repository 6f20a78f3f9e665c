/**
 * Wasted bytes and efficiency of an image (the layer-analysis issue's formulas are not in the
 * tree yet, so the same numbers as dive's are computed here): a file version is wasted when a
 * later layer replaces or deletes its path (or a directory above it); efficiency is the share
 * of the image's file bytes that are not wasted.
 */
import type { Layer } from '../layer/index.js';

/** The end of a build's log (issue 12, "The summary"). */
export interface BuildSummary {
  steps: number;
  cached: number;
  simulatedMsSaved: number;
  simulatedMsSpent: number;
  imageBytes: number;
  wastedBytes: number;
  /** 1 when no file bytes in the image are hidden by a later layer. */
  efficiency: number;
}

export function imageWaste(layers: readonly Layer[]): { wastedBytes: number; efficiency: number } {
  let total = 0;
  let wasted = 0;
  // Walk top down: `hidden` holds what the layers above replace or delete.
  const shadowed = new Set<string>();
  const cleared: string[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const here: string[] = [];
    const clearedHere: string[] = [];
    for (const path of layer.paths()) {
      const node = layer.node(path)!;
      if (node.kind === 'file') {
        const size = node.inode.content.size;
        total += size;
        if (shadowed.has(path) || cleared.some((c) => path.startsWith(c))) wasted += size;
      }
      if (node.kind === 'whiteout') clearedHere.push(`${path}/`);
      if (node.kind === 'dir' && node.opaque) clearedHere.push(`${path}/`);
      if (node.kind !== 'dir' || node.opaque) here.push(path);
    }
    for (const p of here) shadowed.add(p);
    cleared.push(...clearedHere);
  }
  return { wastedBytes: wasted, efficiency: total === 0 ? 1 : (total - wasted) / total };
}
