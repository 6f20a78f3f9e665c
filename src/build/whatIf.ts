/**
 * `--what-if PATH...` (issue 12): which steps a change to these context files would rebuild,
 * and what they hold (bytes, simulated time), without changing anything; and a lint for the
 * lesson about instruction order: broad context copied (`COPY . .`) before a RUN.
 */
import type { CachedStep, StepDefinition } from './cache.js';
import type { Instruction, StageDefinition } from './parse.js';

export interface WhatIfStep {
  stage: string;
  instruction: string;
  position: Instruction['position'];
  rebuild: boolean;
  /** Why it would run again, or that it stays cached. */
  reason: string;
  /** What the cached step holds now: its layer's file bytes, simulated time and what it took when it ran (0 when not cached). */
  bytes: number;
  simulatedMs: number;
  durationMs: number;
}

export interface WhatIfResult {
  changed: string[];
  steps: WhatIfStep[];
  rebuilt: { steps: number; bytes: number; simulatedMs: number; durationMs: number };
  lint: string[];
}

/** The changed context paths (relative, no leading `/`) a step's sources include. */
export function touchedBy(def: StepDefinition, changed: readonly string[]): string | undefined {
  const files = Object.keys(def.files ?? {});
  for (const c of changed) {
    const hit = files.find((f) => f === c || f.startsWith(`${c}/`) || c.startsWith(`${f}/`) || f === '.');
    if (hit !== undefined) return c;
  }
  return undefined;
}

/** The decision for one step of a what-if run. */
export function whatIfStep(def: StepDefinition, cached: CachedStep | undefined, parentRebuilt: boolean, fromContext: boolean, fromRebuiltStage: boolean, changed: readonly string[]): { rebuild: boolean; reason: string } {
  if (parentRebuilt) return { rebuild: true, reason: 'parent step would run again' };
  if (cached === undefined) return { rebuild: true, reason: 'not in the cache now' };
  const touched = fromContext ? touchedBy(def, changed) : undefined;
  if (touched !== undefined) return { rebuild: true, reason: `copies ${touched}` };
  if (fromRebuiltStage) return { rebuild: true, reason: 'copies from a stage that would run again (a hit if its files come out the same)' };
  return { rebuild: false, reason: 'stays cached' };
}

/**
 * Steps that copy the whole context (`COPY . …`, `ADD . …`) before a RUN in the same stage, with
 * nothing narrower copied before: any edit to any file reruns that RUN. The fix is to copy first
 * only what the RUN needs.
 */
export function lintOrder(stages: readonly StageDefinition[]): string[] {
  const out: string[] = [];
  for (const stage of stages) {
    stage.steps.forEach((step, i) => {
      if ((step.keyword !== 'COPY' && step.keyword !== 'ADD') || step.flags['from'] !== undefined) return;
      const sources = (step.json ?? step.words).slice(0, -1);
      if (!sources.some((s) => s === '.' || s === './' || s === '/' || s === '*')) return;
      // Already the good order: narrower files were copied (and used) before the whole context.
      if (stage.steps.slice(0, i).some((s) => (s.keyword === 'COPY' || s.keyword === 'ADD') && s.flags['from'] === undefined)) return;
      const run = stage.steps.slice(i + 1).find((s) => s.keyword === 'RUN');
      if (run === undefined) return;
      out.push(
        `${step.position.file}:${step.position.line}: ${step.text} copies the whole context before ${run.text} (line ${run.position.line}): ` +
          `any edit reruns that RUN; copy only what it needs first (e.g. the dependency manifest), run it, then copy the rest`,
      );
    });
  }
  return out;
}
