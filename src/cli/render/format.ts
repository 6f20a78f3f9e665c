/** Small text helpers for tables and listings. */
import { shortId } from '../../app/index.js';
import { formatBytes } from '../../host/index.js';

export { formatBytes, shortId };

/** Columns padded to their widest cell, two spaces apart (like `docker images`). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `2 hours ago`, as Docker shows creation times. */
export function timeAgo(iso: string | undefined, now: number): string {
  if (iso === undefined) return '';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 0) return 'in the future';
  if (seconds < 1) return 'Less than a second ago';
  const units: [number, string][] = [
    [365 * 24 * 3600, 'year'],
    [30 * 24 * 3600, 'month'],
    [7 * 24 * 3600, 'week'],
    [24 * 3600, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      if (unit === 'second' && n === 1) return 'About a second ago';
      return `${n === 1 ? (unit === 'hour' ? 'About an' : 'About a') : n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
  }
  return iso;
}

/** `drwxr-xr-x` from a type and permission bits. */
export function modeString(type: 'file' | 'dir' | 'symlink' | 'other', mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'file' ? '-' : '?';
  const bits = 'rwxrwxrwx'.split('').map((c, i) => ((mode >> (8 - i)) & 1 ? c : '-'));
  if (mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return t + bits.join('');
}

/** Cuts a string to `width` characters with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 1) return text.slice(0, Math.max(0, width));
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

/**
 * The warning when garbage collection kept every blob because damaged entries may still name
 * some (`GcResult.heldBy`): who they are, and how to see more.
 */
export function heldBlobsWarning(heldBy: readonly string[] | undefined): string | undefined {
  if (heldBy === undefined || heldBy.length === 0) return undefined;
  const shown = heldBy.slice(0, 3).join(', ') + (heldBy.length > 3 ? ` and ${heldBy.length - 3} more` : '');
  return `no blobs were deleted: ${shown} cannot be read, and may still use them (overlay fsck lists the damage and what can be dropped)`;
}
