import { describe, expect, it } from 'vitest';
import { modeString, table, timeAgo, truncate } from '../../../src/cli/render/format.js';
import { parseMode } from '../../../src/cli/render/mode.js';
import { renderStack } from '../../../src/cli/render/stack.js';

describe('rendering', () => {
  it('aligns tables', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toBe('A     BB\nxxx   y\n');
  });

  it('shows modes and times like ls and docker', () => {
    expect(modeString('dir', 0o1777)).toBe('drwxrwxrwt');
    expect(modeString('file', 0o4755)).toBe('-rwsr-xr-x');
    expect(modeString('symlink', 0o777)).toBe('lrwxrwxrwx');
    const now = Date.UTC(2024, 0, 1, 12);
    expect(timeAgo('2024-01-01T10:00:00Z', now)).toBe('2 hours ago');
    expect(timeAgo('2024-01-01T11:00:00Z', now)).toBe('About an hour ago');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });

  it('parses chmod modes', () => {
    expect(parseMode('755', 0)).toBe(0o755);
    expect(parseMode('u+x', 0o644)).toBe(0o744);
    expect(parseMode('go-r', 0o644)).toBe(0o600);
    expect(parseMode('a=r,u+w', 0o777)).toBe(0o644);
    expect(parseMode('+t', 0o777, true)).toBe(0o1777);
    expect(() => parseMode('q+z', 0)).toThrow(/invalid mode/);
  });

  it('draws stacks as boxes', () => {
    const text = renderStack([{ title: 'upper', changes: { added: ['/a'], changed: ['/b'], deleted: ['/c'], opaque: ['/d'] } }], { width: 40 });
    expect(text.split('\n').slice(0, 6)).toEqual([
      '┌─ upper ──────────────────────────────┐',
      '│ + /a                                 │',
      '│ ~ /b                                 │',
      '│ - /c                                 │',
      '│ ▒ /d/  (opaque: lower contents hidd… │',
      '└──────────────────────────────────────┘',
    ]);
    for (const line of text.split('\n').slice(0, 6)) expect([...line]).toHaveLength(40);
  });
});
