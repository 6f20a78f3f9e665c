import type { LayerChanges } from '../../image/index.js';
import { truncate } from './format.js';

export interface StackBox {
  title: string;
  /** Shown at the right of the top border (e.g. a short DiffID). */
  note?: string;
  changes: LayerChanges;
}

const MARK = { added: '+', changed: '~', deleted: '-', opaque: '▒' } as const;

export const STACK_LEGEND = '+ added   ~ changed   - deleted (whiteout)   ▒ opaque directory (hides everything below it)';

/** The layer stack as boxes, top layer first, each listing what it adds, changes and deletes. */
export function renderStack(boxes: readonly StackBox[], options: { width?: number; limit?: number; heading?: string } = {}): string {
  const width = Math.max(40, options.width ?? 76);
  const inner = width - 4;
  const limit = options.limit ?? 8;
  const out: string[] = [];
  if (options.heading !== undefined) out.push(`  ${options.heading}`, `  ${'═'.repeat(Math.min(inner, options.heading.length))}`);
  for (const box of boxes) {
    const note = box.note === undefined ? '' : ` ${box.note} `;
    const title = truncate(` ${box.title} `, width - 4 - note.length);
    out.push(`┌─${title}${'─'.repeat(Math.max(0, width - 4 - title.length - note.length))}${note}─┐`);
    const items: [string, string][] = [];
    const { added, changed, deleted, opaque } = box.changes;
    for (const p of added) items.push([p, `${MARK.added} ${p}`]);
    for (const p of changed) items.push([p, `${MARK.changed} ${p}`]);
    for (const p of deleted) items.push([p, `${MARK.deleted} ${p}`]);
    for (const p of opaque) items.push([p + '\u0000', `${MARK.opaque} ${p}${p === '/' ? '' : '/'}  (opaque: lower contents hidden)`]);
    items.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const shown = limit > 0 && items.length > limit ? items.slice(0, limit) : items;
    if (items.length === 0) shown.push(['', '(no changes)']);
    for (const [, line] of shown) out.push(`│ ${truncate(line, inner).padEnd(inner)} │`);
    if (shown.length < items.length) out.push(`│ ${`… and ${items.length - shown.length} more (--all shows everything)`.padEnd(inner)} │`);
    out.push(`└${'─'.repeat(width - 2)}┘`);
  }
  out.push(STACK_LEGEND);
  return out.join('\n') + '\n';
}
