// The model test/property/analysisColumns.test.ts checks src/analysis against: the corrected
// waste of src/analysis/analyze.ts as it was before the analysis moved to layer columns (over
// the node-by-node walk and dive's trees kept beside this file); the rest of an `Analysis` is
// put together by the same src/analysis/analyze.ts code (`baseOf`, `addWaste`, `assembleAnalysis`).
import { addWaste, assembleAnalysis, baseOf, type Analysis, type AnalyzeInput, type Waste } from '../../../../src/analysis/analyze.js';
import { diveMetrics } from './diveMetrics.js';
import { walkStack, type HiddenCopy } from './stackWalk.js';

export function analyzeLayers(input: AnalyzeInput): Analysis {
  const walk = walkStack(input.layers);
  const base = baseOf(input);
  // Per layer, the first hiding of each of its paths.
  const firstHide = input.layers.map(() => new Map<string, HiddenCopy>());
  for (const h of walk.hidden) {
    const hides = firstHide[h.layer]!;
    if (!hides.has(h.path)) hides.set(h.path, h);
  }
  const waste: Waste = { wastedBytes: 0, userWastedBytes: 0, groups: new Map() };
  for (const { object, visible } of walk.objects) {
    if (visible || object.inode.content.size === 0) continue;
    const size = object.inode.content.size;
    const hides = firstHide[object.layer]!;
    let hide: HiddenCopy | undefined;
    for (let i = 0; hide === undefined && i < object.paths.length; i++) hide = hides.get(object.paths[i]!);
    waste.wastedBytes += size;
    if (hide !== undefined) addWaste(waste, base.count, object.layer, size, hide);
  }
  return assembleAnalysis(input, base, walk.effects, waste, diveMetrics(input.layers));
}
