/**
 * A progress bar on a terminal (stderr), redrawn at most every 100 ms and erased at the end.
 * Off the terminal it draws nothing, so logs and pipes stay clean.
 */
import { formatBytes } from '../store/index.js';

/** Sizes as the CLI prints them (one formatter for bars, tables and transfer reports). */
export { formatBytes };

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** Adds `n` units of work done. */
  tick(n: number): void;
  /** Changes the total (e.g. once it is known). */
  setTotal(total: number): void;
  /** Erases the bar. */
  done(): void;
}

const NONE: Progress = { tick: () => undefined, setTotal: () => undefined, done: () => undefined };

export function createProgress(stream: ProgressStream | undefined, label: string, total = 0, options: { force?: boolean; now?: () => number } = {}): Progress {
  if (stream === undefined || (stream.isTTY !== true && options.force !== true)) return NONE;
  const now = options.now ?? Date.now;
  let done = 0;
  let last = -Infinity;
  let drawn = false;
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 30));
    let line: string;
    if (total > 0) {
      const ratio = Math.min(1, done / total);
      const fill = Math.round(ratio * width);
      line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)}`;
    } else {
      line = `${label} ${formatBytes(done)}`;
    }
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    tick(n: number): void {
      done += n;
      draw(false);
    },
    setTotal(n: number): void {
      total = n;
      draw(false);
    },
    done(): void {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
