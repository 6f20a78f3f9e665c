// Section 6 (opt-in: BENCH_ONLY=big or BENCH_BIG=1; it takes minutes): the built CLI, as whole
// processes, on a real-size image: a generated distro-shaped rootfs (bench/lib/rootfs.mjs, ~500 MB,
// ~40,000 entries, imported as one layer), against the same commands on a demo-sized image made
// the same way, and against peers: `umoci insert` (import), `skopeo copy` (load, save),
// `sha256sum` + `gzip -1` (commit of a big new file), `tar -xzOf` on the layer (cat). These are the
// cases and targets of issue 9. Then a growth table: `write` + `commit` of a 3.5 KB change and
// `cat` of a 5-byte file on images of several sizes, to show what stays flat.
//
// Each pair is interleaved (peer, ours, peer, ours...) and reported as the median of per-round
// ratios over BENCH_BIG_REPS rounds (3; BENCH_QUICK=1: 1 round and small trees). Wall time is
// measured around the process, peak RSS is GNU time's %M (bench/lib/processes.mjs). Every command
// is bounded by BENCH_BIG_TIMEOUT seconds (300). It runs the bin of ../dist, or BENCH_DIST's
// build. Sizes: BENCH_BIG_SIZE (MB, 500), BENCH_BIG_ENTRIES (40000), BENCH_BIG_SIZES (the growth
// table, MB, "46,234,576"), BENCH_BIG_COMMIT_MB (100); BENCH_BIG_DIR: where the trees and stores
// go (default /dev/shm when it has room, else the system temp directory); all removed at the end.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { QUICK } from '../lib/config.mjs';
import { have, run, summarize, timed, withThisNode } from '../lib/processes.mjs';
import { section } from '../lib/report.mjs';
import { CAT_PATH, CHANGE_PATH, EXPLAIN_PATH, writeBlob, writeRootfs } from '../lib/rootfs.mjs';
import { median } from '../lib/timing.mjs';
import { chooseScratch, growthTable, ratioRows } from './bigImageReport.mjs';

const MB = 1e6;
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);

function settings() {
  const sizeMB = num('BENCH_BIG_SIZE', QUICK ? 24 : 500);
  const entries = num('BENCH_BIG_ENTRIES', QUICK ? 2000 : 40_000);
  const growth = (process.env.BENCH_BIG_SIZES ?? (QUICK ? '8,24' : '46,234,576')).split(',').map(Number).filter((x) => x > 0);
  return {
    sizeMB,
    entries,
    growth,
    // Entry counts grow with the size, as in real images.
    growthEntries: (mb) => Math.max(200, Math.round((entries * mb) / sizeMB)),
    reps: num('BENCH_BIG_REPS', QUICK ? 1 : 3),
    commitMB: num('BENCH_BIG_COMMIT_MB', QUICK ? 20 : 100),
    demo: { bytes: 300_000, entries: 150 },
  };
}

/** Runs the section; returns what results.json records as `big`. */
export function runBigImage() {
  section('6. real-size image: the CLI, whole processes (wall time, peak RSS), vs the demo-sized image and peers');
  const s = settings();
  const dist = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : fileURLToPath(new URL('../../dist', import.meta.url));
  const cli = join(dist, 'cli', 'overlay.cjs');
  const base = chooseScratch(Math.max(s.sizeMB, ...s.growth) * MB * 7 + 1e9);
  const scratch = mkdtempSync(join(base, 'overlay-bigbench-'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  process.once('exit', cleanup);
  const onSignal = (sig) => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  console.log(`trees and stores under ${scratch}; ${s.reps} round(s) per case; each command bounded by ${process.env.BENCH_BIG_TIMEOUT ?? 300} s`);
  try {
    return measure(s, cli, scratch);
  } finally {
    cleanup();
    process.off('exit', cleanup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function measure(s, cli, scratch) {
  const env = withThisNode({ ...process.env, SOURCE_DATE_EPOCH: '1704067200' });
  delete env.OVERLAY_STORE;
  const at = (...p) => join(scratch, ...p);
  const opts = { cwd: scratch, scratch, env };
  const ov = (store, ...args) => [cli, '--store', store, ...args];
  const time = (argv) => timed(argv, opts);
  const peers = { umoci: have('umoci'), skopeo: have('skopeo'), sha256sum: have('sha256sum') && have('gzip'), tar: have('tar') && have('gzip') };
  for (const [p, ok] of Object.entries(peers)) if (!ok) console.log(`peer missing: ${p} (its rows are reported as "peer missing")`);

  // The trees.
  let t0 = performance.now();
  const big = writeRootfs(at('rootfs'), { bytes: s.sizeMB * MB, entries: s.entries, seed: 1 });
  const demo = writeRootfs(at('demo-rootfs'), { ...s.demo, seed: 1 });
  console.log(`big rootfs: ${(big.bytes / MB).toFixed(0)} MB in ${big.entries} entries (${big.files} files, ${big.dirs} dirs, ${big.symlinks} symlinks), written in ${((performance.now() - t0) / 1000).toFixed(1)} s; demo-sized: ${(demo.bytes / 1000).toFixed(0)} KB in ${demo.entries} entries`);
  const small = at('small.txt');
  writeFileSync(small, 'bench small change\n');
  const change = at('change-3.5k.txt');
  writeFileSync(change, 'x'.repeat(70).concat('\n').repeat(50).slice(0, 3584));
  const cases = {};
  const pair = (name, first, second, rounds = s.reps, before) => {
    const a = [];
    const b = [];
    for (let i = 0; i < rounds; i++) {
      before?.(i);
      if (first) a.push(first(i));
      b.push(second(i));
    }
    cases[name] = { base: first ? summarize(a) : null, ours: summarize(b), ratio: first ? median(b.map((x, i) => x.ms / a[i].ms)) : null };
    const c = cases[name];
    console.log(`  ${name}: ${(c.ours.ms / 1000).toFixed(2)} s, ${c.ours.rssMiB.toFixed(0)} MiB${c.base ? `; against ${(c.base.ms / 1000).toFixed(2)} s, ${c.base.rssMiB.toFixed(0)} MiB: ${c.ratio.toFixed(2)}x` : ''}`);
  };

  // Import: umoci insert into a fresh layout, ours into a fresh store; the last store is kept.
  const bigStore = at('store-big');
  pair(
    'import',
    peers.umoci &&
      ((i) => {
        const layout = at(`umoci-${i}`);
        run(['umoci', 'init', '--layout', layout]);
        run(['umoci', 'new', '--image', `${layout}:big`]);
        const r = time(['umoci', 'insert', '--image', `${layout}:big`, big.root, '/']);
        rmSync(layout, { recursive: true, force: true });
        return r;
      }),
    (i) => {
      const store = i === s.reps - 1 ? bigStore : at(`store-import-${i}`);
      const r = time(ov(store, 'import', big.root, 'big:1'));
      if (store !== bigStore) rmSync(store, { recursive: true, force: true });
      return r;
    },
  );
  const demoStore = at('store-demo');
  run(ov(demoStore, 'import', demo.root, 'big:1'), { env });
  for (const store of [bigStore, demoStore]) {
    run(ov(store, 'create', 'big:1', '--name', 'c'), { env });
    run(ov(store, 'write', 'c', CHANGE_PATH, '--from', small), { env });
  }

  // Read and write verbs: the same command on the demo image, then on the big one.
  const onBoth = (name, args) => pair(name, () => time(ov(demoStore, ...args)), () => time(ov(bigStore, ...args)));
  onBoth('cat', ['cat', 'c', CAT_PATH]);
  onBoth('ls -R', ['ls', '-R', 'c', '/']);
  onBoth('explain', ['explain', 'c', EXPLAIN_PATH]);
  onBoth('write', ['write', 'c', CHANGE_PATH, '--from', small]);
  onBoth('diff', ['diff', 'c']);
  onBoth('history', ['history', 'big:1']);
  onBoth('inspect', ['inspect', 'big:1']);

  // cat against tar -xzOf on the layer blob (the member name as the codec writes it).
  const layerBlob = (store) => {
    const index = JSON.parse(readFileSync(join(store, 'index.json'), 'utf8'));
    const blob = (d) => join(store, 'blobs', ...d.split(':'));
    const manifest = JSON.parse(readFileSync(blob(index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'big:1').digest), 'utf8'));
    return blob(manifest.layers[0].digest);
  };
  const member = run(['tar', '-tzf', layerBlob(demoStore)]).split('\n').find((l) => l.replace(/^\.?\//, '') === CAT_PATH.slice(1));
  pair('cat vs tar -xzOf', peers.tar && (() => time(['tar', '-xzOf', layerBlob(bigStore), member])), () => time(ov(bigStore, 'cat', 'c', CAT_PATH)));

  // write + commit of a 3.5 KB change into a fresh container (two processes, summed).
  const writeCommit = (store, i, tag) => {
    const w = time(ov(store, 'write', `w${i}`, CHANGE_PATH, '--from', change));
    const c = time(ov(store, 'commit', `w${i}`, tag));
    return { ms: w.ms + c.ms, rssKiB: Math.max(w.rssKiB, c.rssKiB) };
  };
  pair(
    'write + commit',
    (i) => writeCommit(demoStore, i, 'wc:1'),
    (i) => writeCommit(bigStore, i, 'wc:1'),
    s.reps,
    (i) => {
      for (const store of [demoStore, bigStore]) run(ov(store, 'create', 'big:1', '--name', `w${i}`), { env });
    },
  );

  // commit of a new file of BENCH_BIG_COMMIT_MB on the big image, against sha256sum + gzip -1 of it.
  const blobFile = at('new-file.bin');
  writeBlob(blobFile, s.commitMB * MB);
  pair(
    'commit of a new file',
    peers.sha256sum && (() => time(['sh', '-c', `sha256sum "$0" >/dev/null && gzip -1 -c "$0" >/dev/null`, blobFile])),
    (i) => time(ov(bigStore, 'commit', `n${i}`, 'new:1')),
    s.reps,
    (i) => {
      run(ov(bigStore, 'create', 'big:1', '--name', `n${i}`), { env });
      run(ov(bigStore, 'write', `n${i}`, '/new-file.bin', '--from', blobFile), { env });
    },
  );
  rmSync(blobFile);

  // save, against skopeo copy oci: docker-archive: from the same store; the last archive is kept for load.
  const archive = at('big.tar');
  pair(
    'save',
    peers.skopeo &&
      (() => {
        const out = at('skopeo-save.tar');
        const r = time(['skopeo', '--insecure-policy', 'copy', '-q', `oci:${bigStore}:big:1`, `docker-archive:${out}:big:1`]);
        rmSync(out, { force: true });
        return r;
      }),
    () => {
      rmSync(archive, { force: true });
      return time(ov(bigStore, 'save', 'big:1', '-o', archive));
    },
  );

  // load of that docker-archive into a fresh store, against skopeo copy docker-archive: oci:.
  pair(
    'load',
    peers.skopeo &&
      ((i) => {
        const layout = at(`skopeo-load-${i}`);
        const r = time(['skopeo', '--insecure-policy', 'copy', '-q', `docker-archive:${archive}`, `oci:${layout}:big`]);
        rmSync(layout, { recursive: true, force: true });
        return r;
      }),
    (i) => {
      const store = at(`store-load-${i}`);
      const r = time(ov(store, 'load', archive));
      rmSync(store, { recursive: true, force: true });
      return r;
    },
  );
  for (const p of [archive, bigStore, demoStore, big.root, demo.root]) rmSync(p, { recursive: true, force: true });

  // Growth: the same 3.5 KB write + commit and 5-byte cat on images of several sizes.
  const growth = [];
  for (const mb of s.growth) {
    t0 = performance.now();
    const tree = writeRootfs(at(`rootfs-${mb}`), { bytes: mb * MB, entries: s.growthEntries(mb), seed: 2 });
    const store = at(`store-${mb}`);
    const imp = time(ov(store, 'import', tree.root, 'big:1'));
    rmSync(tree.root, { recursive: true, force: true });
    const wc = [];
    const cat = [];
    for (let i = 0; i < s.reps; i++) {
      run(ov(store, 'create', 'big:1', '--name', `w${i}`), { env });
      wc.push(writeCommit(store, i, 'wc:1'));
      cat.push(time(ov(store, 'cat', 'w0', CAT_PATH)));
    }
    rmSync(store, { recursive: true, force: true });
    growth.push({ mb, entries: tree.entries, bytes: tree.bytes, import: summarize([imp]), writeCommit: summarize(wc), cat: summarize(cat) });
    console.log(`  growth ${mb} MB: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }

  const out = { settings: { ...s, growthEntries: undefined }, scratch, peers, rootfs: { ...big, root: undefined }, demoRootfs: { ...demo, root: undefined }, cases, growth };
  ratioRows(out);
  growthTable(growth);
  return out;
}

export { bigTargets } from './bigImageReport.mjs';
