/**
 * Law: the fast read path (Lookup.lookupFast, behind stat, lstat, exists and readFile) and the general
 * lookup (the kernel-style walk) agree on every plain path, after every op: the same errno, or
 * the same upper and lower objects. Both call the one merge rule (engine/merge.ts); this keeps
 * the fast path's own walk honest. Paths: every path of up to three components over the names
 * the stack and the ops use, so missing names, names below files and whiteouts are probed too.
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Overlay, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import { engineOf } from '../../../src/overlay/Overlay.js';
import { describeOp, opPaths, runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { fsOf } from './view.js';

/** Plain absolute paths of 1 to `depth` components over `names`. */
export function probePaths(names: readonly string[], depth: number): string[] {
  let level = [''];
  const out: string[] = [];
  for (let i = 0; i < depth; i++) {
    level = level.flatMap((prefix) => names.map((n) => `${prefix}/${n}`));
    out.push(...level);
  }
  return out;
}

/** The path components the stack and the ops name (at most `max`, most used first). */
export function namesUsed(inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], max = 6): string[] {
  const counts = new Map<string, number>();
  const paths = [...inputs.flat().map((e) => e.path), ...ops.flatMap((op) => opPaths(op))];
  for (const p of paths) for (const n of p.split('/')) if (n !== '' && n !== '.' && n !== '..') counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, max).map(([n]) => n);
}

export function checkLookupAgreement(inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], options: OverlayOptions): void {
  const ov = new Overlay({ ...options, lowers: buildStack(inputs) });
  const engine = engineOf(ov);
  const probes = probePaths(namesUsed(inputs, ops), 3);
  const done: string[] = [];
  const check = (): void => {
    for (const path of probes) {
      // Following the last symlink (stat) and not following it (lstat).
      for (const followLast of [true, false]) {
        const fast = engine.paths.lookupFast(path, followLast);
        if (fast === undefined) continue; // a symlink on the way: only the general lookup applies
        const general = engine.paths.lookup(path, followLast);
        const where = `${path} (followLast ${followLast}) after:\n  ${done.join('\n  ') || '(no ops)'}`;
        if (typeof fast === 'string' || typeof general === 'string') {
          expect(fast, where).toBe(general);
          continue;
        }
        expect(fast.upper === general.upper && fast.lower === general.lower && fast.whiteout === general.whiteout, `fast and general lookup differ at ${where}`).toBe(true);
      }
    }
  };
  check();
  for (const op of ops) {
    runOp(fsOf(ov), '', op);
    done.push(describeOp(op));
    check();
  }
}

export function assertLookupAgreement(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkLookupAgreement, stackArb, opsArb, options, numRuns);
}
