// Sections 1 + 2, their data: the 1000-layer stack, its flattened tree (the model), the paths
// every implementation is timed on, and the 1-layer and memfs copies of the same tree.

import { randomFillSync } from 'node:crypto';

import { Volume, createFsFromVolume } from 'memfs';

import { MiB } from '../lib/config.mjs';
import { Layer } from '../lib/package.mjs';
import { rng } from '../lib/timing.mjs';

export const LAYERS = 1000;
const BASE_FILES = 3000;

/**
 * A realistic stack: a base layer with a few thousand files in nested directories (some deep,
 * a few symlinks), then 999 small layers each adding files, changing one, whiting one out, now
 * and then setting a directory's attributes, whiting out a directory or making one opaque.
 * `model` is the flattened tree computed independently of the engine (it feeds the 1-layer
 * stack and memfs), and is checked against the overlay before anything is timed.
 */
export function buildStack() {
  const rand = rng(0x0f1a7);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const pool = new Uint8Array(4 * MiB);
  randomFillSync(pool);
  let poolPos = 0;
  const bytes = (n) => {
    if (poolPos + n > pool.length) poolPos = 0;
    const b = pool.subarray(poolPos, poolPos + n);
    poolPos += n;
    return b;
  };
  const fileSize = () => (rand() < 0.03 ? 16384 + Math.floor(rand() * 49152) : Math.floor(rand() * 4096));

  /** path → { type, content | target, layer } */
  const model = new Map([['/', { type: 'dir', layer: 0 }]]);
  const depthOf = (p) => (p === '/' ? 0 : p.split('/').length - 1);
  const parentOf = (p) => p.slice(0, p.lastIndexOf('/')) || '/';
  const ensureParents = (p, layer) => {
    for (let d = parentOf(p); d !== '/' && !model.has(d); d = parentOf(d)) model.set(d, { type: 'dir', layer });
  };
  const removeTree = (p) => {
    model.delete(p);
    const prefix = p + '/';
    for (const k of [...model.keys()]) if (k.startsWith(prefix)) model.delete(k);
  };

  // Base layer.
  const dirs = ['/usr', '/usr/lib', '/usr/share', '/usr/bin', '/usr/include', '/etc', '/opt', '/var', '/var/lib', '/srv', '/lib'];
  for (let i = 0; i < 450; i++) {
    // Bias towards deeper parents for nested trees.
    const parent = rand() < 0.6 ? dirs[dirs.length - 1 - Math.floor(rand() * Math.min(60, dirs.length))] : pick(dirs);
    if (depthOf(parent) >= 9) continue;
    dirs.push(`${parent}/d${i}`);
  }
  let deep = '/opt/deep';
  dirs.push(deep);
  for (let i = 0; i < 14; i++) dirs.push((deep = `${deep}/level${i}`));
  const baseEntries = [];
  for (const d of dirs) {
    baseEntries.push({ path: d, type: 'dir', mode: 0o755 });
    model.set(d, { type: 'dir', layer: 0 });
  }
  const exts = ['.so', '.h', '.txt', '.conf', '', '.py', '.js'];
  for (let i = 0; i < BASE_FILES; i++) {
    const dir = i < 40 ? pick(dirs.slice(-8)) : pick(dirs);
    const path = `${dir}/file${i}${pick(exts)}`;
    const content = bytes(fileSize());
    baseEntries.push({ path, type: 'file', content, mode: 0o644 });
    model.set(path, { type: 'file', content, layer: 0 });
  }
  const symlinks = [];
  for (let i = 0; i < 40; i++) {
    const target = pick([...model.keys()].filter((p) => model.get(p).type === 'file' && p.startsWith('/usr/lib')));
    const path = `${parentOf(target)}/link${i}`;
    if (model.has(path)) continue;
    const rel = target.slice(target.lastIndexOf('/') + 1);
    baseEntries.push({ path, type: 'symlink', target: rel });
    model.set(path, { type: 'symlink', target: rel, resolved: target, layer: 0 });
    symlinks.push(path);
  }
  const layers = [Layer.fromEntries(baseEntries)];

  // Upper layers.
  const whitedOut = [];
  const filesList = [...model.keys()].filter((p) => model.get(p).type === 'file');
  for (let L = 1; L < LAYERS; L++) {
    const entries = [];
    const touched = [];
    const clash = (p) => touched.some((t) => t === p || t.startsWith(p + '/') || p.startsWith(t + '/'));
    const liveFile = () => {
      for (;;) {
        const p = pick(filesList);
        if (model.get(p)?.type === 'file' && !clash(p)) return p;
      }
    };
    const liveDir = () => {
      for (;;) {
        const d = pick(dirs);
        if (model.get(d)?.type === 'dir' && !clash(d)) return d;
      }
    };
    const ops = [];
    // Whiteout of a file (every layer), of a directory or an opaque directory (now and then).
    const wf = liveFile();
    touched.push(wf);
    ops.push(() => {
      entries.push({ path: wf, type: 'whiteout' });
      model.delete(wf);
      whitedOut.push(wf);
    });
    if (L % 97 === 0) {
      const d = liveDir();
      if (depthOf(d) >= 3 && !d.startsWith('/opt/deep')) {
        touched.push(d);
        ops.push(() => {
          entries.push({ path: d, type: 'whiteout' });
          removeTree(d);
          whitedOut.push(d);
        });
      }
    } else if (L % 53 === 0) {
      const d = liveDir();
      if (depthOf(d) >= 3 && !d.startsWith('/opt/deep')) {
        touched.push(d);
        const f = `${d}/after-opaque${L}`;
        const content = bytes(fileSize());
        ops.push(() => {
          entries.push({ path: d, type: 'opaque', mode: 0o755 });
          entries.push({ path: f, type: 'file', content });
          removeTree(d);
          model.set(d, { type: 'dir', layer: L });
          model.set(f, { type: 'file', content, layer: L });
          filesList.push(f);
        });
      }
    }
    // Change one existing file.
    const cf = liveFile();
    touched.push(cf);
    const changed = bytes(fileSize());
    ops.push(() => {
      entries.push({ path: cf, type: 'file', content: changed, mode: 0o644 });
      model.set(cf, { type: 'file', content: changed, layer: L });
    });
    // Add a file in an existing directory and one under new directories.
    const ad = liveDir();
    const af = `${ad}/added${L}.txt`;
    const nf = `/opt/pkgs/p${L}/${L % 3 === 0 ? 'lib/x86_64/' : ''}bin/tool${L}`;
    touched.push(af, nf);
    const ac = bytes(fileSize());
    const nc = bytes(fileSize());
    ops.push(() => {
      entries.push({ path: af, type: 'file', content: ac });
      entries.push({ path: nf, type: 'file', content: nc, mode: 0o755 });
      model.set(af, { type: 'file', content: ac, layer: L });
      ensureParents(nf, L);
      model.set(nf, { type: 'file', content: nc, layer: L });
      filesList.push(af, nf);
      for (let d = parentOf(nf); d !== '/opt'; d = parentOf(d)) if (!dirs.includes(d) && L % 10 === 0) dirs.push(d);
    });
    // Attributes of a directory (a merged directory with an explicit entry).
    if (L % 10 === 0) {
      const md = liveDir();
      touched.push(md);
      ops.push(() => {
        entries.push({ path: md, type: 'dir', mode: 0o750 });
        model.set(md, { type: 'dir', layer: L });
      });
    }
    for (const op of ops) op();
    layers.push(Layer.fromEntries(entries));
  }
  return { layers, model, symlinks, whitedOut, dirs, depthOf, parentOf };
}

/** The fixed lists of paths every implementation is timed on. */
export function choosePaths({ model, symlinks, whitedOut, depthOf, parentOf }) {
  const rand = rng(42);
  const pickN = (xs, n) => {
    const copy = [...xs];
    const out = [];
    while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(rand() * copy.length), 1)[0]);
    return out;
  };
  const files = [...model.entries()].filter(([, e]) => e.type === 'file').map(([p]) => p);
  const layerOf = (p) => model.get(p).layer;
  const existingFiles = [];
  // Spread over the providing layer: base, then four quarters of the stack.
  for (const [lo, hi] of [[0, 0], [1, 249], [250, 499], [500, 749], [750, 999]]) {
    existingFiles.push(...pickN(files.filter((p) => layerOf(p) >= lo && layerOf(p) <= hi), 8));
  }
  // The deepest files.
  existingFiles.push(...[...files].sort((a, b) => depthOf(b) - depthOf(a)).slice(0, 4));
  const viaSymlink = pickN(symlinks.filter((p) => model.has(p) && model.has(model.get(p).resolved)), 2);
  const dirs = [...model.entries()].filter(([p, e]) => e.type === 'dir' && p !== '/').map(([p]) => p);
  const statDirs = [...pickN(dirs.filter((p) => layerOf(p) === 0), 3), ...pickN(dirs.filter((p) => layerOf(p) > 0), 3), '/usr', '/opt/deep/level0/level1/level2/level3/level4/level5'];

  const missing = [];
  // Whited out (file or directory) and still absent at the top.
  missing.push(...pickN(whitedOut.filter((p) => !model.has(p)), 12));
  // Never existed, in an existing directory (base and upper directories).
  missing.push(...pickN(dirs, 10).map((d, i) => `${d}/no-such-file${i}`));
  // Below a missing directory (the walk stops early) and below whited-out directories.
  missing.push('/usr/nope/x', '/nope', '/var/lib/nope/a/b/c', '/opt/pkgs/p0/bin/tool0');
  missing.push(...pickN(whitedOut.filter((p) => !model.has(p)), 4).map((p) => `${p}/child`).filter((p) => !model.has(parentOf(p))));
  // Deep misses.
  let deep = '/opt/deep';
  for (let i = 0; i < 14; i++) deep += `/level${i}`;
  missing.push(`${deep}/missing`, `${deep}/missing/more`, `${parentOf(deep)}/missing.so`);
  for (const p of missing) if (model.has(p)) throw new Error(`bench bug: ${p} is not missing`);

  return {
    stat: [...existingFiles, ...viaSymlink, ...statDirs],
    readFile: [...existingFiles, ...viaSymlink],
    missing,
  };
}

export function layerFromModel(model) {
  const entries = [];
  for (const [path, e] of model) {
    if (path === '/') continue;
    if (e.type === 'file') entries.push({ path, type: 'file', content: e.content });
    else if (e.type === 'dir') entries.push({ path, type: 'dir', mode: 0o755 });
    else entries.push({ path, type: 'symlink', target: e.target });
  }
  return Layer.fromEntries(entries);
}

export function memfsFromModel(model) {
  const json = {};
  for (const [path, e] of model) {
    if (path === '/') continue;
    if (e.type === 'file') json[path] = Buffer.from(e.content);
    else if (e.type === 'dir') json[path] = null;
  }
  const vol = Volume.fromJSON(json);
  for (const [path, e] of model) if (e.type === 'symlink') vol.symlinkSync(e.target, path);
  return createFsFromVolume(vol);
}
