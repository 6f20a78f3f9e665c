import { describeOp, describeOutcome, type FsOp, type Outcome } from '../../../src/testing/index.js';

/** One line per op run so far: `rename(/a, /b) → EXDEV`, for failure messages. */
export class Trace {
  readonly #lines: string[] = [];

  add(op: FsOp, outcome: Outcome, note?: string): void {
    this.#lines.push(`${describeOp(op)} → ${describeOutcome(outcome)}${note !== undefined ? `  (${note})` : ''}`);
  }

  toString(): string {
    return this.#lines.map((l, i) => `  ${i + 1}. ${l}`).join('\n');
  }
}
