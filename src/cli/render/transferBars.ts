/**
 * One progress bar per blob of a push or pull, on a terminal only (stderr): each bar a line,
 * redrawn in place at most every 100 ms, erased at the end. Off a terminal it draws nothing.
 */
import { formatBytes, type ProgressStream } from '../../host/index.js';

export interface TransferBars {
  bar(label: string): { tick(n: number): void; setTotal(total: number): void };
  done(): void;
}

const NONE: TransferBars = { bar: () => ({ tick: () => undefined, setTotal: () => undefined }), done: () => undefined };

export function transferBars(stream: ProgressStream, now: () => number = Date.now): TransferBars {
  if (stream.isTTY !== true) return NONE;
  const rows: { label: string; done: number; total: number }[] = [];
  let drawn = 0;
  let last = -Infinity;
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 50));
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const row of rows) {
      const ratio = row.total > 0 ? Math.min(1, row.done / row.total) : 0;
      const fill = Math.round(ratio * width);
      text += `\r\x1b[K${row.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${formatBytes(row.done)}/${formatBytes(row.total)}\n`;
    }
    drawn = rows.length;
    stream.write(text);
  };
  return {
    bar(label) {
      const row = { label, done: 0, total: 0 };
      rows.push(row);
      draw(true);
      return {
        tick(n) {
          row.done += n;
          draw(false);
        },
        setTotal(total) {
          row.total = total;
        },
      };
    },
    done() {
      if (drawn > 0) stream.write(`\x1b[${drawn}A\r\x1b[J`);
      drawn = 0;
    },
  };
}
