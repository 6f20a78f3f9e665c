/**
 * Greedy minimization of a diverging scenario, after fast-check's own shrinking: fast-check
 * shrinks the ops well, but the stack only coarsely (the ops are generated from it). This drops
 * single ops, whole layers and single layer entries, and empties file contents, keeping each
 * change that still diverges with the same class and leaves a valid stack.
 */
import { Layer, type LayerEntryInput } from '../../../src/layer/index.js';
import { mergedView } from './mergedView.js';
import type { Scenario } from './scenario.js';

/** Why a stack is not one the generator could have made (OCI layer.md rules), if it is not. */
export function stackProblem(layers: readonly LayerEntryInput[][]): string | undefined {
  const built: Layer[] = [];
  for (const [i, entries] of layers.entries()) {
    let layer: Layer;
    try {
      layer = Layer.fromEntries(entries);
    } catch (error) {
      return `layer ${i}: ${String(error)}`;
    }
    const below = mergedView(built);
    for (const e of entries) {
      if (e.type !== 'whiteout') continue;
      if (!below.has(e.path)) return `layer ${i}: whiteout of ${e.path}, which no lower layer shows`;
      for (let p = e.path.slice(0, e.path.lastIndexOf('/')); p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
        const node = layer.node(p);
        if (node?.kind === 'dir' && node.opaque) return `layer ${i}: whiteout ${e.path} inside opaque ${p}`;
      }
    }
    built.push(layer);
  }
  return undefined;
}

function* candidates(s: Scenario): Generator<Scenario> {
  for (let i = 0; i < s.ops.length; i++) yield { ...s, ops: s.ops.filter((_, j) => j !== i) };
  if (s.layers.length > 1) {
    for (let i = 0; i < s.layers.length; i++) yield { ...s, layers: s.layers.filter((_, j) => j !== i) };
  }
  for (let i = 0; i < s.layers.length; i++) {
    const layer = s.layers[i]!;
    for (let j = 0; j < layer.length; j++) {
      yield { ...s, layers: s.layers.map((l, k) => (k === i ? l.filter((_, m) => m !== j) : l)) };
    }
  }
  for (let i = 0; i < s.layers.length; i++) {
    const layer = s.layers[i]!;
    for (let j = 0; j < layer.length; j++) {
      const e = layer[j]!;
      const simpler: LayerEntryInput[] = [];
      if (e.content !== undefined && e.content !== '') simpler.push({ ...e, content: '' });
      if ((e.uid ?? 0) !== 0 || (e.gid ?? 0) !== 0) simpler.push({ ...e, uid: 0, gid: 0 });
      if (e.mode !== undefined && e.mode !== 0o644 && e.mode !== 0o755) simpler.push({ ...e, mode: e.type === 'file' ? 0o644 : 0o755 });
      for (const replacement of simpler) {
        yield { ...s, layers: s.layers.map((l, k) => (k === i ? l.map((x, m) => (m === j ? replacement : x)) : l)) };
      }
    }
  }
}

/**
 * The smallest scenario reachable by single removals for which `stillFails` holds, within
 * `budgetMs`. `stillFails` is only called on valid stacks.
 */
export async function minimizeScenario(start: Scenario, stillFails: (s: Scenario) => Promise<boolean>, budgetMs: number): Promise<Scenario> {
  const deadline = Date.now() + budgetMs;
  let best = start;
  let progress = true;
  while (progress && Date.now() < deadline) {
    progress = false;
    for (const candidate of candidates(best)) {
      if (Date.now() >= deadline) break;
      if (stackProblem(candidate.layers) !== undefined) continue;
      if (await stillFails(candidate)) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}
