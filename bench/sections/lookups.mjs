// Sections 1 + 2: statSync / readFileSync of existing and missing paths on the 1000-layer stack,
// the same tree as a 1-layer stack and a memfs volume holding it; then the mount time of the
// 1000-layer stack (measured here since the stack is at hand).

import { QUICK, ROUNDS } from '../lib/config.mjs';
import { Overlay } from '../lib/package.mjs';
import { fmtBytes, fmtNs, fmtX, section, table } from '../lib/report.mjs';
import { benchInterleaved, gc, median, ratio, rng } from '../lib/timing.mjs';
import { LAYERS, buildStack, choosePaths, layerFromModel, memfsFromModel } from './lookupStack.mjs';

const BIG_STACK = `overlay(${LAYERS})`;

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

/** The timed operations: loop bodies for benchInterleaved, each over one list of paths. */
const OPS = {
  'stat (existing)': { list: 'stat', body: 'sink += fs.statSync(paths[j]).size;' },
  'readFile (existing)': { list: 'readFile', body: 'sink += fs.readFileSync(paths[j]).length;' },
  'stat (missing, throwIfNoEntry:false)': { list: 'missing', body: 'sink += fs.statSync(paths[j], opts) === undefined ? 1 : 0;' },
  'stat (missing, throws)': { list: 'missing', body: 'try { fs.statSync(paths[j]); } catch (e) { sink += e.code.length; }' },
  'readFile (missing, throws)': { list: 'missing', body: 'try { fs.readFileSync(paths[j]); } catch (e) { sink += e.code.length; }' },
};

export function runLookups() {
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

  const lookups = benchInterleaved(impls, paths, OPS);
  // Context for the exception forms: what throwing and catching a bare `new Error` costs here,
  // the floor for any error that carries a stack trace (as Node's, memfs's and ours do).
  const errorFloorNs = benchInterleaved([['bare Error', null]], paths, {
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

/** The summary's rows for section 1: per operation, the big stack against memfs and against 1 layer. */
export function lookupTargets(lookups, targets) {
  for (const [op, r] of Object.entries(lookups)) {
    const vsMem = ratio(r[BIG_STACK], r.memfs);
    const vsOne = ratio(r[BIG_STACK], r['overlay(1)']);
    targets.add(`${op}: ${LAYERS} layers vs memfs`, '<= 0.25x', vsMem, vsMem <= 0.25, fmtX(vsMem));
    targets.add(`${op}: ${LAYERS} layers vs 1 layer`, '<= 1.25x', vsOne, vsOne <= 1.25, fmtX(vsOne));
  }
}

/** The summary's row for section 2 (information, no target). */
export function mountTarget(mount, targets) {
  targets.add(`mount ${LAYERS} layers (no target)`, '-', mount.ms, true, `${mount.ms.toFixed(1)} ms`);
}
