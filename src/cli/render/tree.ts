/**
 * `overlay ls TARGET --tree`: the merged view as a tree with dive's markers for what the top
 * layer did: added (green), changed (yellow), deleted (red, shown where it was), unchanged
 * (no colour); each directory with the total size of the files below it. Colour only on a
 * terminal, and never when NO_COLOR is set (no-color.org).
 */
import type { LayerEffect } from '../../analysis/index.js';
import type { Overlay } from '../../overlay/index.js';
import { formatBytes } from './format.js';

type Mark = 'added' | 'changed' | 'deleted' | 'unchanged';
const COLOURS: Record<Mark, string> = { added: '\u001b[32m', changed: '\u001b[33m', deleted: '\u001b[31m', unchanged: '' };
const SIGNS: Record<Mark, string> = { added: '+', changed: '~', deleted: '-', unchanged: ' ' };

interface Node {
  name: string;
  path: string;
  dir: boolean;
  size: number;
  mark: Mark;
  children: Node[];
}

export function renderTree(overlay: Overlay, root: string, effect: LayerEffect | undefined, options: { colour: boolean; changedOnly: boolean }): string {
  const marks = new Map<string, Mark>();
  for (const p of effect?.added ?? []) marks.set(p, 'added');
  for (const p of effect?.changed ?? []) marks.set(p, 'changed');
  const deleted = new Map<string, string[]>();
  for (const p of effect?.deleted ?? []) {
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    deleted.set(parent, [...(deleted.get(parent) ?? []), p]);
  }
  const build = (path: string, name: string): Node => {
    const st = overlay.fs.lstatSync(path)!;
    const node: Node = { name, path, dir: st.isDirectory(), size: st.isFile() ? st.size : 0, mark: marks.get(path) ?? 'unchanged', children: [] };
    if (!node.dir) return node;
    for (const child of (overlay.fs.readdirSync(path) as string[]).sort()) node.children.push(build(path === '/' ? `/${child}` : `${path}/${child}`, child));
    for (const gone of deleted.get(path) ?? []) node.children.push({ name: gone.slice(gone.lastIndexOf('/') + 1), path: gone, dir: false, size: 0, mark: 'deleted', children: [] });
    node.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    node.size = node.children.reduce((sum, c) => sum + c.size, 0);
    if (node.mark === 'unchanged' && node.children.some((c) => c.mark !== 'unchanged')) node.mark = 'changed';
    return node;
  };
  const lines: string[] = [];
  const draw = (node: Node, prefix: string, last: boolean, top: boolean): void => {
    if (options.changedOnly && node.mark === 'unchanged') return;
    const size = formatBytes(node.size).padStart(9);
    const label = `${SIGNS[node.mark]} ${size}  ${top ? '' : prefix + (last ? '└── ' : '├── ')}${node.name}${node.dir && node.name !== '/' ? '/' : ''}`;
    lines.push(options.colour && COLOURS[node.mark] !== '' ? `${COLOURS[node.mark]}${label}\u001b[0m` : label);
    const shown = options.changedOnly ? node.children.filter((c) => c.mark !== 'unchanged') : node.children;
    shown.forEach((c, i) => draw(c, top ? '' : prefix + (last ? '    ' : '│   '), i === shown.length - 1, false));
  };
  draw(build(root, root), '', true, true);
  return lines.join('\n');
}
