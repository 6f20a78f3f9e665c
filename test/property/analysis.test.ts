/**
 * Laws of layer analysis: the corrected wasted bytes are exactly the bytes present in some
 * layer but not visible in the merged view at the top, counted with the mount itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeLayers, diffViews } from '../../src/analysis/index.js';
import { Layer, type LayerEntry, type LayerEntryInput } from '../../src/layer/index.js';
import { Overlay, flatten } from '../../src/overlay/index.js';
import { layerStack } from '../../src/testing/index.js';
import { runs, seedLabel } from './support/config.js';

/** Bytes of the files the mount shows, each object (inode) once. */
function visibleBytes(overlay: Overlay): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (dir: string): void => {
    for (const name of overlay.fs.readdirSync(dir) as string[]) {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const st = overlay.fs.lstatSync(path)!;
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  walk('/');
  return total;
}

describe(`layer analysis laws (${seedLabel()})`, () => {
  it('corrected wasted bytes = bytes in some layer but not visible at the top', () => {
    fc.assert(
      fc.property(layerStack({ maxLayers: 5 }), (stack) => {
        const layers = stack.map((entries) => Layer.fromEntries(entries));
        const total = layers.reduce((sum, l) => sum + l.size, 0);
        const a = analyzeLayers({ layers });
        expect(a.totalBytes).toBe(total);
        expect(a.corrected.wastedBytes).toBe(total - visibleBytes(new Overlay({ lowers: layers })));
        expect(a.corrected.inefficiencies.reduce((sum, i) => sum + i.wastedBytes, 0)).toBe(a.corrected.wastedBytes);
      }),
      runs(200),
    );
  });

  it('diff A B applied to A gives B', () => {
    fc.assert(
      fc.property(layerStack({ maxLayers: 3 }), layerStack({ maxLayers: 3 }), (stackA, stackB) => {
        const a = stackA.map((entries) => Layer.fromEntries(entries));
        const b = stackB.map((entries) => Layer.fromEntries(entries));
        const wanted = byPath(flatten(b));
        const patch: LayerEntryInput[] = diffViews(a, b).changes.map(({ kind, path }) => (kind === 'D' ? { path, type: 'whiteout' } : wanted.get(path)!));
        expect(view(flatten([flatten(a), Layer.fromEntries(patch)]))).toEqual(view(flatten(b)));
      }),
      runs(200),
    );
  });
});

/** A flat layer's entries by path, hard links as files (a patch may hold one name of a group). */
function byPath(layer: Layer): Map<string, LayerEntry> {
  const entries = layer.entries();
  const all = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) if (e.type === 'hardlink') all.set(e.path, { ...all.get(e.target!)!, path: e.path });
  // Directories with no entry of their own (implicit) are directories of the view all the same.
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if (path !== '/' && node.kind === 'dir' && !all.has(path)) all.set(path, { path, type: 'dir', mode: node.meta.mode, uid: node.meta.uid, gid: node.meta.gid, mtime: node.meta.mtime, xattrs: { ...node.meta.xattrs } });
  }
  return new Map([...all].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** What a view shows, directory mtimes aside (a diff does not count them, as docker diff does not). */
function view(layer: Layer): LayerEntry[] {
  return [...byPath(layer).values()].map(({ xattrs, ...e }) => ({ ...e, ...(e.type === 'dir' ? { mtime: 0 } : {}), xattrs: xattrs ?? {} }));
}
