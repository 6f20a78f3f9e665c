/**
 * The merged lower tree (src/overlay/engine/LowerTree.ts): each directory's children are merged
 * from its layers on its first lookup, by the kernel's stacking rules, and only then.
 */
import { describe, expect, it, vi } from 'vitest';
import { Layer, DEFAULT_DIR_META, type LayerEntryInput } from '../../../src/layer/index.js';
import { LowerTree, type LowerDir, type LowerNode } from '../../../src/overlay/engine/index.js';

/** name → kind (and the layer an object or directory shows from), recursively, for comparing views. */
function view(node: LowerNode): unknown {
  if (node.kind !== 'dir') return `${node.kind}@${node.layer}`;
  return Object.fromEntries([...node.children].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, child]) => [name, view(child)]));
}

const stack: LayerEntryInput[][] = [
  [
    { path: '/a/x', type: 'file', content: 'x' },
    { path: '/a/y', type: 'file', content: 'y' },
    { path: '/d/k', type: 'file', content: 'k' },
    { path: '/keep/deep/f', type: 'file', content: 'f' },
    { path: '/a-b', type: 'file', content: 'a sibling that sorts between /a and /a/x' },
  ],
  [
    { path: '/a', type: 'file', content: 'a file over the directory' },
    { path: '/d', type: 'opaque', mode: 0o700 },
    { path: '/d/n', type: 'file', content: 'n' },
    { path: '/keep/deep/g', type: 'file', content: 'g' },
  ],
  [
    { path: '/a/z', type: 'file', content: 'a directory again, over the file: fresh' },
    { path: '/d/m', type: 'file', content: 'm' },
    { path: '/keep/deep', type: 'dir', mode: 0o711 },
  ],
  [{ path: '/d/n', type: 'whiteout' }],
];

describe('LowerTree', () => {
  it('merges by the kernel’s rules: a file hides a directory, a directory above it starts afresh, opaque hides below, whiteouts remove', () => {
    const layers = stack.map((entries) => Layer.fromEntries(entries));
    const tree = new LowerTree(layers, DEFAULT_DIR_META);
    expect(view(tree.root)).toEqual({
      a: { z: 'file@2' },
      'a-b': 'file@0',
      d: { m: 'file@2' },
      keep: { deep: { f: 'file@0', g: 'file@1' } },
    });
    const deep = tree.lookup('/keep/deep') as LowerDir;
    // Merged from three layers; the attributes of the one with an entry of its own.
    expect([deep.layers, deep.layer, deep.metaLayer, deep.explicit, deep.meta.mode]).toEqual([3, 2, 2, true, 0o711]);
    const d = tree.lookup('/d') as LowerDir;
    expect([d.layers, d.layer, d.metaLayer, d.explicit, d.meta.mode]).toEqual([3, 3, 1, true, 0o700]);
    expect(tree.lookup('/a/x')).toBeUndefined();
    expect(tree.lookup('/a-b/x')).toBeUndefined();
  });

  it('merges a directory on its first lookup, from its own layers only, once', () => {
    const layers = stack.map((entries) => Layer.fromEntries(entries));
    const asked = layers.map((layer) => vi.spyOn(layer, 'eachChild'));
    const tree = new LowerTree(layers, DEFAULT_DIR_META);
    expect(asked.map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0]);
    expect(tree.lookup('/a/z')?.kind).toBe('file');
    // The root from every layer; /a from layer 2 alone, where it was made afresh.
    expect(asked.map((spy) => spy.mock.calls.map(([path]) => path))).toEqual([['/'], ['/'], ['/', '/a'], ['/']]);
    tree.lookup('/a/z');
    expect(asked.reduce((n, spy) => n + spy.mock.calls.length, 0)).toBe(5);
  });

  it('sees the same tree through stored layers, which make the nodes of what is looked up', () => {
    const many: LayerEntryInput[] = Array.from({ length: 200 }, (_, i) => ({ path: `/many/f${i}`, type: 'file', content: `${i}` }));
    const layers = [[...stack[0]!, ...many], ...stack.slice(1)].map((entries) => Layer.fromEntries(entries));
    const eager = new LowerTree(layers, DEFAULT_DIR_META);
    // A layer known by its rows (as a stored index gives it): columns, and a node per row on demand.
    const made: number[] = [];
    const rowed = layers.map((layer) => {
      const paths = layer.paths();
      return Layer.fromRows(layer.columns(), (row) => {
        made.push(row);
        return layer.node(paths[row]!)!;
      });
    });
    const lazy = new LowerTree(rowed, DEFAULT_DIR_META);
    expect(lazy.lookup('/a/z')?.kind).toBe('file');
    const total = layers.reduce((n, layer) => n + layer.paths().length, 0);
    expect(made.length).toBeLessThan(total / 10);
    expect(view(lazy.root)).toEqual(view(eager.root));
  });
});
