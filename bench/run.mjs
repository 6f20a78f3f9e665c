// `npm run bench`: the project's speed targets, measured against memfs in the same run.
//
// Reports, never gates: every figure is printed as a table (target, measured, PASS/MISS) and
// written to bench/results.json; the process exits 0 even when a target is missed.
//
// Sections
//   1. Lookups: statSync / readFileSync of existing and missing paths on a 1000-layer stack,
//      the same tree as a 1-layer stack, and a memfs volume holding the same flattened tree.
//   2. Mount time of the 1000-layer stack (one-time cost; reported, no target).
//   3. Writing 1 byte into a 256 MiB lower file: time and extra memory (after gc).
//   4. Building a layer tar and its digest (layer.diffId) against Node's native SHA-256 over
//      the same bytes.
//   5. `overlay demo` end to end (the README's main job), against a bare Node start-up.
//
// Timing: lookups and tar rounds are timed in process CPU time (user + system), interleaved and
// rotated between implementations, median of many rounds; ratios are medians of per-round
// ratios. A busy machine inflates everything, so the load average is printed when it is high.
//
// Needs the build (`npm run build`) and `--expose-gc` (re-executes itself with it if missing).
// Environment: BENCH_QUICK=1 (fewer rounds, a smoke run); BENCH_ONLY=lookups,write,tar,demo
// (some sections only); BENCH_DIST=<dir> (time another build of the package, e.g. a patched copy of
// dist/, for an A/B of an engine change; its imports must resolve, so keep it inside the repo
// or give it a node_modules link).

import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  // Memory figures need a real gc between measurements.
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

// BENCH_DIST=<dir> times another build of the package (A/B of an engine change); default ../dist.
const distEntry = process.env.BENCH_DIST ? pathToFileURL(resolve(process.env.BENCH_DIST, 'index.js')).href : '../dist/index.js';
const { Overlay, Layer, defaultSha256, sha256Digest } = await import(distEntry);
const { Volume, createFsFromVolume } = await import('memfs');

const QUICK = process.env.BENCH_QUICK === '1';
// Many short interleaved rounds: the median shrugs off a busy neighbour better than few long ones.
const ROUNDS = QUICK ? 7 : 21;
const ROUND_MS = QUICK ? 10 : 20;
const LAYERS = 1000;
const BIG_STACK = `overlay(${LAYERS})`;
// BENCH_ONLY=lookups,write,tar,demo picks sections (default: all).
const ONLY = new Set((process.env.BENCH_ONLY ?? 'lookups,write,tar,demo').split(',').map((s) => s.trim()));
const BASE_FILES = 3000;
const MiB = 1024 * 1024;

const started = performance.now();
const gc = () => {
  globalThis.gc();
  globalThis.gc();
};

// ------------------------------------------------------------------ helpers

/** Deterministic PRNG (mulberry32): the same stack every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Process CPU time (user + system) in ns. Rounds are timed with it rather than the wall clock:
 * on a shared machine another process taking the CPU stops this clock too, so ratios measured
 * in one run stay meaningful. Wall-clock figures are kept in results.json as well.
 */
function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median over rounds of a/b measured in the same round: steadier than a ratio of medians. */
function ratio(a, b) {
  return median(a.samples.map((x, i) => x / b.samples[i]));
}

const fmtNs = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const fmtBytes = (b) => (Math.abs(b) >= MiB ? `${(b / MiB).toFixed(2)} MiB` : Math.abs(b) >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
const fmtX = (x) => `${x.toFixed(3)}x`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function section(title) {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 74 - title.length))}`);
}

// ------------------------------------------------------------------ 1. the stack

/**
 * A realistic stack: a base layer with a few thousand files in nested directories (some deep,
 * a few symlinks), then 999 small layers each adding files, changing one, whiting one out, now
 * and then setting a directory's attributes, whiting out a directory or making one opaque.
 * `model` is the flattened tree computed independently of the engine (it feeds the 1-layer
 * stack and memfs), and is checked against the overlay before anything is timed.
 */
function buildStack() {
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
function choosePaths({ model, symlinks, whitedOut, depthOf, parentOf }) {
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

function layerFromModel(model) {
  const entries = [];
  for (const [path, e] of model) {
    if (path === '/') continue;
    if (e.type === 'file') entries.push({ path, type: 'file', content: e.content });
    else if (e.type === 'dir') entries.push({ path, type: 'dir', mode: 0o755 });
    else entries.push({ path, type: 'symlink', target: e.target });
  }
  return Layer.fromEntries(entries);
}

function memfsFromModel(model) {
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

/** The three implementations must show the same tree before their speed means anything. */
function verify(impls, model, paths) {
  const rand = rng(7);
  const all = [...model.keys()];
  const sample = [...paths.stat, ...Array.from({ length: 2000 }, () => all[Math.floor(rand() * all.length)])];
  for (const [name, fs] of impls) {
    for (const p of sample) {
      const e = model.get(p);
      if (e.type === 'symlink' && !model.has(e.resolved)) {
        if (fs.statSync(p, { throwIfNoEntry: false }) !== undefined) throw new Error(`${name}: dangling ${p} resolves`);
        continue;
      }
      const st = fs.statSync(p);
      const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      const want = e.type === 'symlink' ? 'file' : e.type;
      if (kind !== want) throw new Error(`${name}: ${p} is ${kind}, expected ${want}`);
      if (e.type === 'file' && st.size !== e.content.length) throw new Error(`${name}: ${p} size ${st.size}, expected ${e.content.length}`);
    }
    for (const p of paths.readFile) {
      const e = model.get(p);
      const want = e.type === 'symlink' ? model.get(e.resolved).content : e.content;
      if (!Buffer.from(fs.readFileSync(p)).equals(Buffer.from(want))) throw new Error(`${name}: ${p} content differs`);
    }
    for (const p of paths.missing) {
      if (fs.statSync(p, { throwIfNoEntry: false }) !== undefined) throw new Error(`${name}: ${p} should be missing`);
    }
    // Whole-tree shape: the same number of names under the root.
    let names = 0;
    const walk = (dir) => {
      for (const name of fs.readdirSync(dir)) {
        const child = dir === '/' ? `/${name}` : `${dir}/${name}`;
        names++;
        if (fs.lstatSync(child).isDirectory()) walk(child);
      }
    };
    walk('/');
    if (names !== model.size - 1) throw new Error(`${name}: ${names} names, the model has ${model.size - 1}`);
  }
}

// Each (implementation, operation) pair gets its own compiled loop (new Function), so call
// sites stay monomorphic and no implementation pays for another's feedback.
const NO_THROW = Object.freeze({ throwIfNoEntry: false });
const OPS = {
  'stat (existing)': { list: 'stat', body: 'sink += fs.statSync(paths[j]).size;' },
  'readFile (existing)': { list: 'readFile', body: 'sink += fs.readFileSync(paths[j]).length;' },
  'stat (missing, throwIfNoEntry:false)': { list: 'missing', body: 'sink += fs.statSync(paths[j], opts) === undefined ? 1 : 0;' },
  'stat (missing, throws)': { list: 'missing', body: 'try { fs.statSync(paths[j]); } catch (e) { sink += e.code.length; }' },
  'readFile (missing, throws)': { list: 'missing', body: 'try { fs.readFileSync(paths[j]); } catch (e) { sink += e.code.length; }' },
};
const makeLoop = (body) =>
  new Function('fs', 'paths', 'n', 'opts', `let sink = 0; for (let i = 0; i < n; i++) for (let j = 0; j < paths.length; j++) { ${body} } return sink;`);

let globalSink = 0;

function benchLookups(impls, paths, ops = OPS) {
  const results = {};
  for (const [opName, op] of Object.entries(ops)) {
    const list = paths[op.list];
    const runners = impls.map(([name, fs]) => {
      const loop = makeLoop(op.body);
      // Calibrate (this also warms up): iterations so that one round takes ROUND_MS.
      let n = 1;
      for (;;) {
        const t0 = performance.now();
        globalSink += loop(fs, list, n, NO_THROW);
        const dt = performance.now() - t0;
        if (dt > ROUND_MS / 4) {
          n = Math.max(1, Math.ceil((n * ROUND_MS) / dt));
          break;
        }
        n *= 2;
      }
      globalSink += loop(fs, list, n, NO_THROW);
      return { name, fs, loop, n, samples: [], wall: [] };
    });
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order each round so no implementation always runs first or last.
      for (let k = 0; k < runners.length; k++) {
        const x = runners[(r + k) % runners.length];
        const c0 = cpuNs();
        const t0 = process.hrtime.bigint();
        globalSink += x.loop(x.fs, list, x.n, NO_THROW);
        const wall = Number(process.hrtime.bigint() - t0);
        x.samples.push((cpuNs() - c0) / (x.n * list.length));
        x.wall.push(wall / (x.n * list.length));
      }
    }
    results[opName] = Object.fromEntries(
      runners.map((x) => [
        x.name,
        {
          nsPerOp: median(x.samples),
          min: Math.min(...x.samples),
          max: Math.max(...x.samples),
          wallNsPerOp: median(x.wall),
          paths: list.length,
          samples: x.samples,
        },
      ]),
    );
  }
  return results;
}

// ------------------------------------------------------------------ 1 + 2. lookups and mount

function runLookups() {
  section('1. stacks and lookups');
  const t0 = performance.now();
  const stack = buildStack();
  const buildMs = performance.now() - t0;
  const paths = choosePaths(stack);
  const entryTotal = stack.layers.reduce((n, l) => n + l.entryCount, 0);
  console.log(
    `built ${stack.layers.length} layers (${entryTotal} layer nodes, base ${stack.layers[0].entryCount}) in ${buildMs.toFixed(0)} ms; ` +
      `flattened tree ${stack.model.size} names; paths timed: ${paths.stat.length} stat, ${paths.readFile.length} readFile, ${paths.missing.length} missing`,
  );

  // 2. Mount time (one-time cost), measured here since the stack is at hand.
  const mountSamples = [];
  let ov1000;
  for (let i = 0; i < (QUICK ? 3 : 5); i++) {
    ov1000 = undefined;
    gc();
    const h0 = process.memoryUsage().heapUsed;
    const m0 = performance.now();
    ov1000 = new Overlay({ lowers: stack.layers });
    const ms = performance.now() - m0;
    gc();
    mountSamples.push({ ms, heap: process.memoryUsage().heapUsed - h0 });
  }
  const mount = { ms: median(mountSamples.map((s) => s.ms)), firstMs: mountSamples[0].ms, heapBytes: median(mountSamples.map((s) => s.heap)) };

  const ov1 = new Overlay({ lowers: [layerFromModel(stack.model)] });
  const impls = [
    ['memfs', memfsFromModel(stack.model)],
    ['overlay(1)', ov1.fs],
    [BIG_STACK, ov1000.fs],
  ];
  verify(impls, stack.model, paths);
  console.log('verified: the three implementations show the same tree on the timed and 2000 sampled paths');

  const lookups = benchLookups(impls, paths);
  // Context for the exception forms: what throwing and catching a bare `new Error` costs here,
  // the floor for any error that carries a stack trace (as Node's, memfs's and ours do).
  const errorFloorNs = benchLookups([['bare Error', null]], paths, {
    'throw new Error': { list: 'missing', body: 'try { throw new Error(paths[j]); } catch (e) { sink += e.message.length; }' },
  })['throw new Error']['bare Error'].nsPerOp;
  const rows = Object.entries(lookups).map(([op, r]) => [
    op,
    fmtNs(r.memfs.nsPerOp),
    fmtNs(r['overlay(1)'].nsPerOp),
    fmtNs(r[BIG_STACK].nsPerOp),
    fmtX(ratio(r[BIG_STACK], r.memfs)),
    fmtX(ratio(r[BIG_STACK], r['overlay(1)'])),
    fmtX(ratio(r['overlay(1)'], r.memfs)),
  ]);
  console.log(`\nCPU time per call, median of ${ROUNDS} interleaved rounds; ratios are medians of per-round ratios (${LAYERS} = ${BIG_STACK})`);
  table(['operation', 'memfs', 'overlay(1)', BIG_STACK, `${LAYERS}/memfs`, `${LAYERS}/1`, '1/memfs'], rows);
  console.log(`(a bare \`throw new Error\` + catch costs ${fmtNs(errorFloorNs)} here: the floor under every "throws" row, ours and memfs's)`);

  section('2. mount');
  console.log(
    `new Overlay({ lowers: ${LAYERS} layers }): median ${mount.ms.toFixed(1)} ms (first ${mount.firstMs.toFixed(1)} ms), ` +
      `retained heap ${fmtBytes(mount.heapBytes)}; building the layers themselves: ${buildMs.toFixed(0)} ms (incl. the model)`,
  );
  return {
    stack: { layers: stack.layers.length, layerNodes: entryTotal, flattenedNames: stack.model.size, buildMs },
    paths: { stat: paths.stat.length, readFile: paths.readFile.length, missing: paths.missing.length },
    lookups,
    errorFloorNs,
    mount,
  };
}

// ------------------------------------------------------------------ 3. 1-byte write into 256 MiB

const ONE = Buffer.from('x');
const BIG_FILE = '/data/big.bin';

/** Opens r+, writes one byte, closes: the operation the target is about. */
function oneByteWrite(fs, offset) {
  const fd = fs.openSync(BIG_FILE, 'r+');
  fs.writeSync(fd, ONE, 0, 1, offset);
  fs.closeSync(fd);
}

/** Isolated writes: gc right before, memory read before and after (mount kept alive). */
function measureWrite(makeFs, offset, reps) {
  const samples = [];
  const keep = [];
  for (let i = 0; i < reps; i++) {
    const fs = makeFs(i);
    keep.push(fs); // alive across the second memory reading
    gc();
    const m0 = process.memoryUsage();
    const t = process.hrtime.bigint();
    oneByteWrite(fs, offset);
    const ns = Number(process.hrtime.bigint() - t);
    gc();
    const m1 = process.memoryUsage();
    samples.push({ ns, heap: m1.heapUsed - m0.heapUsed, arrayBuffers: m1.arrayBuffers - m0.arrayBuffers });
  }
  const extra = samples.map((s) => s.heap + s.arrayBuffers);
  return {
    nsMedian: median(samples.map((s) => s.ns)),
    nsFirst: samples[0].ns,
    nsMax: Math.max(...samples.map((s) => s.ns)),
    extraBytesMedian: median(extra),
    extraBytesMax: Math.max(...extra),
    heapMedian: median(samples.map((s) => s.heap)),
    arrayBuffersMedian: median(samples.map((s) => s.arrayBuffers)),
    keep,
  };
}

/** Steady state: back-to-back writes, each on a fresh mount, without a gc in between. */
function steadyWrite(makeFs, offset, reps) {
  const ns = [];
  for (let i = 0; i < reps; i++) {
    const fs = makeFs();
    const t = process.hrtime.bigint();
    oneByteWrite(fs, offset);
    ns.push(Number(process.hrtime.bigint() - t));
  }
  return median(ns);
}

function runWrite() {
  section('3. 1-byte write into a 256 MiB lower file');
  const BIG = 256 * MiB;
  const OFFSET = 128 * MiB + 12345;
  const bigBytes = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i += 4096) bigBytes[i] = i & 0xff;
  const bigLayer = Layer.fromEntries([{ path: BIG_FILE, type: 'file', content: bigBytes }]);
  const smallLayer = Layer.fromEntries([{ path: BIG_FILE, type: 'file', content: new Uint8Array(MiB) }]);

  // Cold: the very first write through this code path in the process.
  const cold = measureWrite(() => new Overlay({ lowers: [bigLayer] }).fs, OFFSET, 1);
  // Warm the code path on a small file, then measure on fresh mounts of the 256 MiB layer.
  measureWrite(() => new Overlay({ lowers: [smallLayer] }).fs, 1234, 20);
  const ov = measureWrite(() => new Overlay({ lowers: [bigLayer] }).fs, OFFSET, QUICK ? 5 : 15);
  ov.nsSteady = steadyWrite(() => new Overlay({ lowers: [bigLayer] }).fs, OFFSET, QUICK ? 100 : 500);
  // The upper must really hold the change and the lower must not: check on the last mount.
  const fs = ov.keep[ov.keep.length - 1];
  const b = Buffer.alloc(3);
  const fd = fs.openSync(BIG_FILE, 'r');
  fs.readSync(fd, b, 0, 3, OFFSET - 1);
  fs.closeSync(fd);
  if (b[1] !== 0x78 || bigBytes[OFFSET] === 0x78 || fs.statSync(BIG_FILE).size !== BIG) throw new Error('1-byte write did not land as expected');
  ov.keep.length = 0;
  cold.keep.length = 0;
  gc();

  // memfs for context: its file already lives in the volume (a 256 MiB Buffer it owns).
  const memVol = Volume.fromJSON({ [BIG_FILE]: Buffer.alloc(0) });
  const memFs = createFsFromVolume(memVol);
  memFs.writeFileSync(BIG_FILE, bigBytes);
  const mem = measureWrite(() => memFs, OFFSET, QUICK ? 5 : 15);
  mem.nsSteady = steadyWrite(() => memFs, OFFSET, QUICK ? 100 : 500);
  mem.keep.length = 0;
  memVol.reset();
  gc();

  table(
    ['implementation', 'time (isolated, median)', 'time (first, cold JIT)', 'time (isolated, max)', 'time (steady, median)', 'extra memory (median)', 'extra memory (max)'],
    [
      ['overlay', fmtNs(ov.nsMedian), fmtNs(cold.nsFirst), fmtNs(ov.nsMax), fmtNs(ov.nsSteady), fmtBytes(ov.extraBytesMedian), fmtBytes(ov.extraBytesMax)],
      ['memfs', fmtNs(mem.nsMedian), '-', fmtNs(mem.nsMax), fmtNs(mem.nsSteady), fmtBytes(mem.extraBytesMedian), fmtBytes(mem.extraBytesMax)],
    ],
  );
  console.log(
    '(wall clock. overlay: a fresh mount each time, so every write is a copy-up. isolated = gc right before, the figure the\n' +
      ' target uses; steady = back-to-back without gc; memory = heapUsed + arrayBuffers delta after gc, mount kept alive)',
  );
  const strip = ({ keep, ...rest }) => rest;
  return { offset: OFFSET, overlay: strip(ov), overlayCold: strip(cold), memfs: strip(mem) };
}

// ------------------------------------------------------------------ 4. tar + digest

/** ~64 MiB in mixed sizes: many small files, some medium, a few big; dirs, symlinks, a whiteout. */
function tarLayerEntries() {
  const rand = rng(0x7a5);
  const data = new Uint8Array(66 * MiB);
  randomFillSync(data);
  let pos = 0;
  const take = (n) => {
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const entries = [];
  for (let d = 0; d < 60; d++) entries.push({ path: `/app/pkg${d % 12}/mod${d}`, type: 'dir', mode: 0o755, mtime: 1_700_000_000_000 });
  for (let i = 0; i < 3000; i++) {
    entries.push({ path: `/app/pkg${i % 12}/mod${i % 60}/f${i}.js`, type: 'file', content: take(Math.floor(rand() * 8192)), mtime: 1_700_000_000_000 });
  }
  for (let i = 0; i < 100; i++) {
    entries.push({ path: `/usr/lib/medium${i}.so`, type: 'file', content: take(64 * 1024 + Math.floor(rand() * 448 * 1024)), mode: 0o755 });
  }
  for (let i = 0; i < 3; i++) entries.push({ path: `/opt/big${i}.bin`, type: 'file', content: take(8 * MiB) });
  for (let i = 0; i < 20; i++) entries.push({ path: `/usr/lib/link${i}.so`, type: 'symlink', target: `medium${i}.so` });
  entries.push({ path: '/etc/removed', type: 'whiteout' });
  return entries;
}

function runTar() {
  section('4. layer tar + digest vs native SHA-256');
  const TAR_ROUNDS = QUICK ? 3 : 9;
  // Fresh layers (diffId caches): the same nodes, so only the tar + digest work is timed.
  const proto = Layer.fromEntries(tarLayerEntries());
  const freshLayers = Array.from({ length: TAR_ROUNDS + 1 }, () => proto.withHistory({}));
  const chunkLayers = Array.from({ length: TAR_ROUNDS + 1 }, () => proto.withHistory({}));
  const t0 = performance.now();
  const tarBytes = proto.toTar();
  const toTarMs = performance.now() - t0;
  const nativeDigest = `sha256:${createHash('sha256').update(tarBytes).digest('hex')}`;
  console.log(`(CPU time; median and best of ${TAR_ROUNDS} interleaved rounds)`);
  console.log(`layer: ${proto.entryCount} nodes, ${fmtBytes(proto.size)} of file data, tar ${fmtBytes(tarBytes.length)}; toTar() ${toTarMs.toFixed(0)} ms`);

  const cpu = { native: [], diffId: [], chunks: [] };
  const wall = { native: [], diffId: [], chunks: [] };
  const timed = (key, fn) => {
    const c = cpuNs();
    const w = performance.now();
    const out = fn();
    wall[key].push(performance.now() - w);
    cpu[key].push((cpuNs() - c) / 1e6);
    return out;
  };
  // Warm-up, then interleaved rounds.
  globalSink += freshLayers[TAR_ROUNDS].diffId.length + sha256Digest(chunkLayers[TAR_ROUNDS].tarChunks()).length;
  createHash('sha256').update(tarBytes).digest();
  for (let r = 0; r < TAR_ROUNDS; r++) {
    const native = timed('native', () => createHash('sha256').update(tarBytes).digest('hex'));
    const ours = timed('diffId', () => freshLayers[r].diffId);
    const viaChunks = timed('chunks', () => sha256Digest(chunkLayers[r].tarChunks()));
    if (ours !== `sha256:${native}` || viaChunks !== nativeDigest) throw new Error(`digest mismatch: ${ours} / ${viaChunks} vs sha256:${native}`);
  }
  const tar = {
    tarBytes: tarBytes.length,
    toTarMs,
    nativeMs: median(cpu.native),
    diffIdMs: median(cpu.diffId),
    chunksMs: median(cpu.chunks),
    nativeBestMs: Math.min(...cpu.native),
    diffIdBestMs: Math.min(...cpu.diffId),
    chunksBestMs: Math.min(...cpu.chunks),
    wallMs: { native: median(wall.native), diffId: median(wall.diffId), chunks: median(wall.chunks) },
  };
  tar.ratio = tar.nativeMs / tar.diffIdMs;
  const mbps = (ms) => `${(tar.tarBytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
  table(
    ['what', 'time (median)', 'throughput', 'native/this', 'time (best)', 'native/this (best)'],
    [
      ['native createHash over toTar() bytes', `${tar.nativeMs.toFixed(1)} ms`, mbps(tar.nativeMs), '1.000x', `${tar.nativeBestMs.toFixed(1)} ms`, '1.000x'],
      ['layer.diffId (tar writer + hasher)', `${tar.diffIdMs.toFixed(1)} ms`, mbps(tar.diffIdMs), fmtX(tar.ratio), `${tar.diffIdBestMs.toFixed(1)} ms`, fmtX(tar.nativeBestMs / tar.diffIdBestMs)],
      ['sha256Digest(layer.tarChunks())', `${tar.chunksMs.toFixed(1)} ms`, mbps(tar.chunksMs), fmtX(tar.nativeMs / tar.chunksMs), `${tar.chunksBestMs.toFixed(1)} ms`, fmtX(tar.nativeBestMs / tar.chunksBestMs)],
    ],
  );
  return tar;
}

// ------------------------------------------------------------------ 5. overlay demo

/** Wall time of `overlay demo` (a temporary store, offline) against `node -e 0`, a few times each. */
function runDemo() {
  section('5. overlay demo, end to end (wall time, vs a bare Node start-up)');
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const timeRun = (args) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    return performance.now() - t0;
  };
  const reps = QUICK ? 2 : 5;
  const node = [];
  const demo = [];
  for (let i = 0; i < reps; i++) {
    node.push(timeRun(['-e', '0']));
    demo.push(timeRun([cli, 'demo']));
  }
  const out = { demoMs: median(demo), nodeMs: median(node) };
  out.ratio = out.demoMs / out.nodeMs;
  table(
    ['what', 'wall (median)', 'vs node -e 0'],
    [
      ['node -e 0', `${out.nodeMs.toFixed(0)} ms`, '1.0x'],
      ['overlay demo', `${out.demoMs.toFixed(0)} ms`, `${out.ratio.toFixed(1)}x`],
    ],
  );
  return out;
}

// ------------------------------------------------------------------ run

const env = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cpus: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  memfs: JSON.parse(readFileSync(new URL('../node_modules/memfs/package.json', import.meta.url), 'utf8')).version,
  sha256: defaultSha256().name,
  dist: process.env.BENCH_DIST ?? 'dist',
  only: [...ONLY].join(','),
  rounds: ROUNDS,
  roundMs: ROUND_MS,
  loadAverageAtStart: loadavg()[0],
};
console.log(
  `overlay bench — node ${env.node}, ${env.cpu} (${env.cpus} cpus), memfs ${env.memfs}, hasher ${env.sha256}` +
    `${env.dist !== 'dist' ? `, BENCH_DIST=${env.dist}` : ''}${process.env.BENCH_ONLY ? `, BENCH_ONLY=${env.only}` : ''}${QUICK ? ', QUICK' : ''}`,
);
if (env.loadAverageAtStart > env.cpus * 0.5) {
  console.log(`note: load average ${env.loadAverageAtStart.toFixed(1)} on ${env.cpus} cpus before starting: other work shares the machine, figures will be noisy`);
}

const results = { date: new Date().toISOString(), env };
if (ONLY.has('lookups')) Object.assign(results, runLookups());
if (ONLY.has('write')) results.write256MiB = runWrite();
if (ONLY.has('tar')) results.tar = runTar();
if (ONLY.has('demo')) results.demo = runDemo();

section('summary: targets');
const targets = [];
const target = (name, goal, measured, pass, shown) => targets.push({ name, goal, measured, pass, shown });
for (const [op, r] of Object.entries(results.lookups ?? {})) {
  const vsMem = ratio(r[BIG_STACK], r.memfs);
  const vsOne = ratio(r[BIG_STACK], r['overlay(1)']);
  target(`${op}: ${LAYERS} layers vs memfs`, '<= 0.25x', vsMem, vsMem <= 0.25, fmtX(vsMem));
  target(`${op}: ${LAYERS} layers vs 1 layer`, '<= 1.25x', vsOne, vsOne <= 1.25, fmtX(vsOne));
}
if (results.write256MiB) {
  const { overlay: w, overlayCold } = results.write256MiB;
  target('1-byte write into 256 MiB lower file: time', '< 1 ms', w.nsMedian / 1e6, w.nsMedian < 1e6, `${fmtNs(w.nsMedian)} (cold ${fmtNs(overlayCold.nsFirst)})`);
  target('1-byte write into 256 MiB lower file: extra memory', '< 1 MiB', w.extraBytesMax / MiB, w.extraBytesMax < MiB, `${fmtBytes(w.extraBytesMax)} (max of runs)`);
}
if (results.tar) target('tar + digest (diffId) vs native SHA-256', '>= 0.7x', results.tar.ratio, results.tar.ratio >= 0.7, fmtX(results.tar.ratio));
if (results.demo) target('overlay demo, wall time (no target: "in seconds")', '-', results.demo.demoMs, true, `${(results.demo.demoMs / 1000).toFixed(2)} s = ${results.demo.ratio.toFixed(1)}x node -e 0`);
if (results.mount) target(`mount ${LAYERS} layers (no target)`, '-', results.mount.ms, true, `${results.mount.ms.toFixed(1)} ms`);
table(['target', 'goal', 'measured', 'status'], targets.map((t) => [t.name, t.goal, t.shown, t.goal === '-' ? 'info' : t.pass ? 'PASS' : 'MISS']));
const graded = targets.filter((t) => t.goal !== '-');
const missed = graded.filter((t) => !t.pass);
results.targets = targets.map(({ name, goal, measured, pass }) => ({ name, goal, measured, pass: goal === '-' ? null : pass }));
results.seconds = (performance.now() - started) / 1000;
results.loadAverageAtEnd = loadavg()[0];
results.sink = globalSink % 10;
console.log(
  `\n${graded.length - missed.length}/${graded.length} targets met; ran in ${results.seconds.toFixed(1)} s` +
    `${missed.length ? ' (benchmarks report, they do not gate: exit 0)' : ''}`,
);
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log('results written to bench/results.json');
