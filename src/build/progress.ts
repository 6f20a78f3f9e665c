/**
 * BuildKit's plain progress format (`docker buildx build --progress=plain`), so our log diffs
 * against Docker's: `#n [stage i/N] INSTRUCTION`, then output lines `#n 0.123 text`, then
 * `#n CACHED`, `#n DONE 0.1s` or `#n ERROR: ...`. One line of ours has no BuildKit
 * counterpart: `#n CACHE MISS: reason` before a step that runs (issue 12, "Progress output").
 */
import type { BuildSummary } from './summary.js';

export class Progress {
  readonly #emit: (line: string) => void;
  readonly now: () => number;
  #n = 0;

  constructor(emit: (line: string) => void, now: () => number) {
    this.#emit = emit;
    this.now = now;
  }

  internal(what: string): void {
    const n = ++this.#n;
    this.#emit(`#${n} [internal] ${what}`);
    this.#emit(`#${n} DONE 0.0s`);
    this.#emit('');
  }

  step(stage: string, index: number, total: number, instruction: string): number {
    const n = ++this.#n;
    this.#emit(`#${n} [${stage === '' ? '' : `${stage} `}${index}/${total}] ${instruction}`);
    return n;
  }

  cached(n: number): void {
    this.#emit(`#${n} CACHED`);
    this.#emit('');
  }

  miss(n: number, reason: string): void {
    this.#emit(`#${n} CACHE MISS: ${reason}`);
  }

  output(n: number, text: string, started: number): void {
    const at = ((this.now() - started) / 1000).toFixed(3);
    for (const line of text.split('\n')) if (line !== '') this.#emit(`#${n} ${at} ${line}`);
  }

  /** The step's time: what it took here plus what its commands declared they would take. */
  done(n: number, simulatedMs: number, started?: number): void {
    const ms = (started === undefined ? 0 : this.now() - started) + simulatedMs;
    this.#emit(`#${n} DONE ${(ms / 1000).toFixed(1)}s`);
    this.#emit('');
  }

  error(n: number, message: string, output: string, started: number): void {
    if (output !== '') this.output(n, output, started);
    this.#emit(`#${n} ERROR: ${message}`);
  }

  summary(s: BuildSummary, imageId: string): void {
    const pct = s.steps === 0 ? 100 : Math.round((100 * s.cached) / s.steps);
    this.#emit(`Build steps: ${s.cached}/${s.steps} cached (${pct}%)`);
    this.#emit(`Time saved by the cache: ${(s.timeSavedMs / 1000).toFixed(1)}s (spent: ${(s.timeSpentMs / 1000).toFixed(1)}s)`);
    this.#emit(`Image size: ${s.imageBytes} bytes, wasted ${s.wastedBytes} bytes, efficiency ${(s.efficiency * 100).toFixed(1)}%`);
    this.#emit(`Image: ${imageId}`);
  }
}
