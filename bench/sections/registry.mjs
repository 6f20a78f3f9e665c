// Section 7 (opt-in: BENCH_ONLY=registry; about a minute on an idle machine): `overlay push` and
// `overlay pull` against Debian's docker-registry on loopback (bench/lib/registry.mjs), against
// `skopeo copy` between the same store (an OCI layout) and the same registry: issue 15's speed
// targets.
//
//   push    a 3-layer image to a repository that has none of it (skopeo: oci:STORE:big:1 ->
//           docker://REG/sk/big; ours: overlay push big:1 REG/ov/big). Target: our throughput
//           >= 0.5x skopeo's, i.e. time ratio (ours / skopeo) <= 2.
//   re-push the same again: a no-op (HEAD requests only, zero blob bytes). Target: <= 2x
//           skopeo's time for the same no-op.
//   pull    into an empty store (skopeo: docker://REG/ov/big -> oci:DIR:big:1, a fresh layout).
//           Target: time ratio <= 2. Both write the blobs as they come, checked against their
//           digests; a pull leaves the gunzip, the DiffID check and the layer's index and data
//           pack to the layer's first use (src/store/LayerCache.ts #rebuild), timed after each
//           round as the first `ls` of the pulled image, beside the same `ls` again.
//   start   `overlay --version` against `skopeo --version`: the part of every ratio above that
//           is process start-up (Node and the CLI's modules), not transfer.
//
// Each round starts a fresh registry (skopeo remembers which repositories hold a blob and would
// mount from an earlier round's) and alternates which tool goes first. Ratios are medians of
// per-round ratios of wall time; CPU time (user + system of the process, GNU time) is reported
// beside them, the steadier figure on a busy machine. Settings: BENCH_REGISTRY_MB (file data of
// the image, 200; BENCH_QUICK=1: 24), BENCH_REGISTRY_REPS (rounds, 3; quick: 1), BENCH_BIG_DIR
// (scratch, as section 6).

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

import { QUICK } from '../lib/config.mjs';
import { have, run, withThisNode } from '../lib/processes.mjs';
import { haveRegistry, startRegistry } from '../lib/registry.mjs';
import { section, table } from '../lib/report.mjs';
import { writeBlob, writeRootfs } from '../lib/rootfs.mjs';
import { median } from '../lib/timing.mjs';
import { chooseScratch } from './bigImageReport.mjs';

const MB = 1e6;
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);

/** Runs `argv` under GNU time: { ms (wall), cpuMs (user + system), rssKiB }; throws on failure. */
function timed(argv, { env, scratch }) {
  const timeFile = join(scratch, 'time.txt');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M %U %S', 'timeout', '-k', '5', '300', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${argv.join(' ')}\n${String(r.stderr).slice(0, 2000)}`);
  const [, rss, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { ms, cpuMs: (user + system) * 1000, rssKiB: rss };
}

export async function runRegistryBench() {
  section('7. registry: push, no-op re-push and pull on loopback docker-registry, vs skopeo copy (wall and CPU time)');
  if (!haveRegistry() || !have('skopeo')) {
    console.log('skipped: needs docker-registry and skopeo (Debian packages docker-registry, skopeo)');
    return { skipped: true };
  }
  const sizeMB = num('BENCH_REGISTRY_MB', QUICK ? 24 : 200);
  const reps = num('BENCH_REGISTRY_REPS', QUICK ? 1 : 3);
  const scratch = mkdtempSync(join(chooseScratch(sizeMB * MB * 8 * reps + 1e9), 'overlay-regbench-'));
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  process.once('exit', cleanup);
  try {
    return await measure(sizeMB, reps, scratch);
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}

async function measure(sizeMB, reps, scratch) {
  const cli = fileURLToPath(new URL('../../dist/cli/overlay.cjs', import.meta.url));
  const at = (...p) => join(scratch, ...p);
  // skopeo's blob-info cache lives under HOME for a user (root's is under /var/lib/containers):
  // a fresh registry per round makes it useless either way.
  const env = withThisNode({ ...process.env, SOURCE_DATE_EPOCH: '1704067200', HOME: at('home') });
  delete env.OVERLAY_STORE;
  mkdirSync(at('home'));
  const opts = { env, scratch };
  const ov = (store, ...args) => [cli, '--store', store, ...args];

  // The image: a distro-shaped base layer (80% of the data) and two layers of one binary file each.
  const store = at('store');
  const base = writeRootfs(at('rootfs'), { bytes: sizeMB * 0.8 * MB, entries: Math.max(500, sizeMB * 40), seed: 3 });
  run(ov(store, 'import', base.root, 'base:1'), { env });
  run(ov(store, 'create', 'base:1', '--name', 'c'), { env });
  for (const [i, name] of ['app.bin', 'data.bin'].entries()) {
    writeBlob(at(name), sizeMB * 0.1 * MB, 11 + i);
    const container = i === 0 ? 'c' : 'c2';
    run(ov(store, 'write', container, `/usr/lib/${name}`, '--from', at(name)), { env });
    run(ov(store, 'commit', container, i === 0 ? 'mid:1' : 'big:1'), { env });
    if (i === 0) run(ov(store, 'create', 'mid:1', '--name', 'c2'), { env });
    rmSync(at(name));
  }
  rmSync(base.root, { recursive: true, force: true });
  const inspect = JSON.parse(run(ov(store, 'inspect', 'big:1'), { env }))[0];
  const manifest = { layers: inspect.Layers };
  const blobBytes = inspect.compressedBytes;
  console.log(`image big:1: ${manifest.layers.length} layers, ${(blobBytes / MB).toFixed(0)} MB of gzip blobs for about ${sizeMB} MB of files; ${reps} round(s), a fresh registry each`);

  const cases = { push: [], repush: [], pull: [], start: [] };
  const firstUse = [];
  for (let round = 0; round < reps; round++) {
    const registry = await startRegistry(at(`registry-${round}`));
    const R = registry.host;
    const skopeo = (...args) => ['skopeo', '--insecure-policy', 'copy', '-q', ...args];
    const pairs = {
      push: [() => timed(skopeo('--dest-tls-verify=false', `oci:${store}:big:1`, `docker://${R}/sk/big:1`), opts), () => timed(ov(store, 'push', 'big:1', `${R}/ov/big:1`, '--plain-http'), opts)],
      repush: [() => timed(skopeo('--dest-tls-verify=false', `oci:${store}:big:1`, `docker://${R}/sk/big:1`), opts), () => timed(ov(store, 'push', 'big:1', `${R}/ov/big:1`, '--plain-http'), opts)],
      pull: [
        () => timed(skopeo('--src-tls-verify=false', `docker://${R}/ov/big:1`, `oci:${at(`pulled-${round}`)}:big:1`), opts),
        () => timed(ov(at(`pulled-store-${round}`), 'pull', `${R}/ov/big:1`, '--plain-http'), opts),
      ],
      start: [() => timed(['skopeo', '--version'], opts), () => timed([cli, '--version'], opts)],
    };
    for (const [name, [peer, ours]] of Object.entries(pairs)) {
      const first = round % 2 === 0;
      const a = first ? peer() : undefined;
      const b = ours();
      cases[name].push({ peer: a ?? peer(), ours: b });
    }
    // The work a pull leaves to the layer's first use (decompression, the DiffID check, the
    // tar's parse, pack and index: src/store/LayerCache.ts #rebuild), then the same verb again.
    const pulled = at(`pulled-store-${round}`);
    firstUse.push({ first: timed(ov(pulled, 'ls', `${R}/ov/big:1`, '/'), opts), again: timed(ov(pulled, 'ls', `${R}/ov/big:1`, '/'), opts) });
    await registry.stop();
    for (const dir of [`registry-${round}`, `pulled-${round}`, `pulled-store-${round}`]) rmSync(at(dir), { recursive: true, force: true });
  }

  const out = {};
  for (const [name, rounds] of Object.entries(cases)) {
    out[name] = {
      ratio: median(rounds.map((r) => r.ours.ms / r.peer.ms)),
      cpuRatio: median(rounds.map((r) => r.ours.cpuMs / r.peer.cpuMs)),
      ours: { ms: median(rounds.map((r) => r.ours.ms)), cpuMs: median(rounds.map((r) => r.ours.cpuMs)), rssMiB: Math.max(...rounds.map((r) => r.ours.rssKiB)) / 1024 },
      skopeo: { ms: median(rounds.map((r) => r.peer.ms)), cpuMs: median(rounds.map((r) => r.peer.cpuMs)) },
    };
  }
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  table(
    ['case', 'overlay wall', 'skopeo wall', 'ratio', 'overlay CPU', 'skopeo CPU', 'CPU ratio', 'overlay RSS'],
    Object.entries(out).map(([k, c]) => [k, s(c.ours.ms), s(c.skopeo.ms), `${c.ratio.toFixed(2)}x`, s(c.ours.cpuMs), s(c.skopeo.cpuMs), `${c.cpuRatio.toFixed(2)}x`, `${c.ours.rssMiB.toFixed(0)} MiB`]),
  );
  const use = (k, v) => median(firstUse.map((r) => r[k][v]));
  const first = { ms: use('first', 'ms'), cpuMs: use('first', 'cpuMs'), againMs: use('again', 'ms'), againCpuMs: use('again', 'cpuMs') };
  console.log(`first \`ls\` of the pulled image: ${s(first.ms)} wall, ${s(first.cpuMs)} CPU; the same \`ls\` again: ${s(first.againMs)} wall, ${s(first.againCpuMs)} CPU`);
  return { sizeMB, blobBytes, layers: manifest.layers.length, reps, cases: out, firstUse: first };
}

/** The summary's rows: time ratios against skopeo (issue 15, "Speed"). */
export function registryTargets(r, targets) {
  if (r.skipped) return;
  const size = `${r.sizeMB} MB image (${(r.blobBytes / MB).toFixed(0)} MB gzip, ${r.layers} layers)`;
  const row = (key, label, goal) => {
    const c = r.cases[key];
    const shown = `${c.ratio.toFixed(2)}x wall (${(c.ours.ms / 1000).toFixed(2)} vs ${(c.skopeo.ms / 1000).toFixed(2)} s), ${c.cpuRatio.toFixed(2)}x CPU`;
    targets.add(`${label}, vs skopeo copy`, goal === null ? '-' : `≤ ${goal}x`, { ratio: c.ratio, cpuRatio: c.cpuRatio }, goal === null || c.ratio <= goal, shown);
  };
  row('push', `push of a ${size}`, 2);
  row('pull', `pull of a ${size}`, 2);
  row('repush', 're-push of an unchanged image (no-op)', 2);
  row('start', 'process start (--version)', null);
}
