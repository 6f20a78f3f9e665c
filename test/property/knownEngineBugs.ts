/**
 * Engine bugs that are reported but not fixed yet. An entry excuses exactly the disagreement
 * its bug causes, so the properties keep checking everything else while the fix is pending;
 * give each entry a minimal repro in engineRegressions.test.ts written as `it.fails` (it starts
 * failing once the engine is fixed: then turn it into a plain `it` and delete the entry).
 *
 * Empty now: the twelve bugs these properties found were fixed; their repros are the
 * regression tests in engineRegressions.test.ts. `STRICT_ENGINE=1` turns every excuse off,
 * `STRICT_ENGINE=<id>,<id>` some of them, to watch the properties find a bug or to check a fix.
 */
import type { Layer, OverlayOptions } from '../../src/index.js';
import type { FsLike, FsOp, Outcome, TreeDifference } from '../../src/testing/index.js';
import type { FlatFs } from './reference/FlatFs.js';

/** A bug seen op by op (property (a)). */
export interface KnownEngineBug {
  id: string;
  summary: string;
  /**
   * Does this bug make the overlay's `actual` (or its state after the op) differ from what the
   * reference says, `expected`? `ref` and `overlay` are the two filesystems after the op.
   * Asked for every op, even when the outcomes agree, since a bug may show only in the state;
   * an excused op ends the run (the two filesystems may have parted).
   */
  excuses(op: FsOp, expected: Outcome, actual: Outcome, after: { ref: FlatFs; overlay: FsLike }): boolean;
}

/** A commit bug: it shows as differences between a mount's view and its committed stack's (property (b)). */
export interface KnownCommitBug {
  id: string;
  summary: string;
  excuses(diff: readonly TreeDifference[], context: { options: OverlayOptions; layer: Layer }): boolean;
}

export const KNOWN_ENGINE_BUGS: readonly KnownEngineBug[] = [];

export const KNOWN_COMMIT_BUGS: readonly KnownCommitBug[] = [];

function strictIds(): string[] {
  return (process.env['STRICT_ENGINE'] ?? '').split(',');
}

/** The first known bug that explains what an op did, if any. */
export function knownBug(op: FsOp, expected: Outcome, actual: Outcome, after: { ref: FlatFs; overlay: FsLike }): KnownEngineBug | undefined {
  const strict = strictIds();
  if (strict.includes('1')) return undefined;
  return KNOWN_ENGINE_BUGS.find((bug) => !strict.includes(bug.id) && bug.excuses(op, expected, actual, after));
}

/** The first known commit bug that explains every difference, if any. */
export function knownCommitBug(diff: readonly TreeDifference[], context: { options: OverlayOptions; layer: Layer }): KnownCommitBug | undefined {
  const strict = strictIds();
  if (strict.includes('1')) return undefined;
  return KNOWN_COMMIT_BUGS.find((bug) => !strict.includes(bug.id) && bug.excuses(diff, context));
}
