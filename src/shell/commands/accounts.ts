/** Users and groups from the image's own /etc/passwd and /etc/group (name:x:id:...). */
import type { OverlayFs } from '../../overlay/index.js';

export interface Account {
  name: string;
  id: number;
  /** passwd: the primary group id; group: unused. */
  gid: number;
  home: string;
}

function readTable(fs: OverlayFs, path: string): Account[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8') as string;
  } catch {
    return [];
  }
  const out: Account[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || !/^[0-9]+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, id: Number(f[2]), gid: Number(f[3] ?? f[2]) || 0, home: f[5] ?? '/' });
  }
  return out;
}

export const users = (fs: OverlayFs): Account[] => readTable(fs, '/etc/passwd');
export const groups = (fs: OverlayFs): Account[] => readTable(fs, '/etc/group');

/** A numeric id, or the id of a name in the table; undefined when neither. */
export function idOf(table: readonly Account[], nameOrId: string): number | undefined {
  if (/^[0-9]+$/.test(nameOrId)) return Number(nameOrId);
  return table.find((a) => a.name === nameOrId)?.id;
}

export function nameOf(table: readonly Account[], id: number): string | undefined {
  return table.find((a) => a.id === id)?.name;
}
