/**
 * The end of a build's log (issue 12, "The summary"). Wasted bytes and efficiency are the
 * layer analysis's corrected figures (src/analysis, `analyzeLayers`: bytes present in some layer
 * but not visible at the top; visible bytes over all bytes), the same numbers `overlay analyze`
 * prints for the image.
 */
import { analyzeLayers } from '../analysis/index.js';
import type { ImageConfig } from '../image/index.js';
import type { Layer } from '../layer/index.js';

export interface BuildSummary {
  steps: number;
  cached: number;
  simulatedMsSaved: number;
  simulatedMsSpent: number;
  /** What the cached steps took when they ran (simulated where their commands declared it, else measured). */
  timeSavedMs: number;
  /** What the steps that ran took here (the same measure). */
  timeSpentMs: number;
  imageBytes: number;
  wastedBytes: number;
  /** 1 when no file bytes in the image are hidden by a later layer. */
  efficiency: number;
}

/** The image's size, wasted bytes and efficiency, as `overlay analyze` computes them. */
export function imageFigures(layers: readonly Layer[], config: ImageConfig): Pick<BuildSummary, 'imageBytes' | 'wastedBytes' | 'efficiency'> {
  const analysis = analyzeLayers({ layers, config });
  return { imageBytes: analysis.totalBytes, wastedBytes: analysis.corrected.wastedBytes, efficiency: analysis.corrected.efficiency };
}
