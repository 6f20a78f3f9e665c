// Section 7 (opt-in: BENCH_ONLY=build): `build()` on a context of 5,000 files / 50 MB and a
// 20-step Containerfile, into a disk store (the CLI's), against Node's native SHA-256 over the
// same context bytes read from disk (what `find | xargs sha256sum` does): issue 12's speed
// targets.
//
// - Cached rebuild (every step CACHED, a new process's work: the store opened anew, the context
//   read and keyed again): at most 2x reading + hashing the context natively.
// - First build: the `COPY . /ctx/` step's throughput (context bytes over the step's time) at
//   least 0.5x native SHA-256 throughput. The step's time is split as StepReport.timings gives
//   it: keying (reading and hashing the sources) and copying into the mount (the COPY itself, the
//   target's figure), committing the mount's changes as a
//   layer, and storing it (tar, DiffID, gzip, write) — the last two are the same for any layer.
//
// Rounds alternate native / build; medians of wall time (the disk store's gzip runs on worker
// threads, which CPU time of this thread would miss). BENCH_QUICK=1: 1 round, 1,000 files.

import { createHash, randomFillSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DIST_ENTRY, MiB, QUICK } from '../lib/config.mjs';
import { fmtBytes, fmtX, section, table } from '../lib/report.mjs';
import { median, rng } from '../lib/timing.mjs';

const FILES = QUICK ? 1000 : 5000;
const BYTES = QUICK ? 10 * MiB : 50 * MiB;
const ROUNDS = QUICK ? 1 : 5;

const { build } = await import(DIST_ENTRY);
const { Store: DiskStore } = await import(new URL('host/index.js', DIST_ENTRY).href);

/** A source tree: 40 packages of source files, a few big assets, a manifest; ~BYTES in total. */
function writeContext(dir) {
  const rand = rng(0xb11d);
  const data = new Uint8Array(BYTES + MiB);
  randomFillSync(data);
  let pos = 0;
  const big = QUICK ? [2 * MiB] : [8 * MiB, 4 * MiB, 2 * MiB];
  const small = BYTES - big.reduce((a, b) => a + b, 0);
  const sizes = Array.from({ length: FILES - big.length - 2 }, () => 0.2 + rand() * 1.8);
  const scale = small / sizes.reduce((a, b) => a + b, 0);
  const write = (path, n) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), data.subarray(pos % MiB, (pos % MiB) + n));
    pos += 4099;
  };
  writeFileSync(join(dir, 'package.json'), '{"name":"bench","dependencies":{}}\n');
  writeFileSync(join(dir, '.dockerignore'), 'logs/\n*.tmp\n');
  sizes.forEach((s, i) => write(`src/pkg${i % 40}/mod${i % 7}/file${i}.js`, Math.floor(s * scale)));
  big.forEach((n, i) => write(`assets/big${i}.bin`, n));
  void data;
}

const CONTAINERFILE = `FROM scratch
ARG VERSION=1.0
ENV APP=/app NODE_ENV=production
LABEL org.opencontainers.image.title=bench
WORKDIR /app
COPY package.json ./
RUN mkdir -p node_modules/dep && echo "dep $VERSION" > node_modules/dep/index.js
COPY src/pkg0/ ./src/pkg0/
RUN cat src/pkg0/mod0/file0.js > /dev/null && echo built > build.txt
COPY assets/ ./assets/
USER 0:0
EXPOSE 8080
COPY . /ctx/
RUN echo done > /ctx.done
ENV READY=1
COPY src/ ./src/
RUN ls src > src.list
WORKDIR /app/run
CMD ["node", "/app/src/pkg0/mod0/file0.js"]
ENTRYPOINT ["/bin/sh", "-c"]
`;

function hostContext(root) {
  const at = (p) => join(root, p);
  return { lstatSync: (p) => lstatSync(at(p)), readdirSync: (p) => readdirSync(at(p)), readFileSync: (p) => readFileSync(at(p)), readlinkSync: (p) => readlinkSync(at(p)) };
}

/** Native baseline: list the context, read every file, SHA-256 each (node:crypto). */
function nativeHash(root) {
  let bytes = 0;
  let files = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const b = readFileSync(p);
        bytes += b.length;
        files++;
        createHash('sha256').update(b).digest('hex');
      }
    }
  };
  walk(root);
  return { bytes, files };
}

async function timedBuild(storeDir, context, noCache) {
  const t0 = performance.now();
  const store = await DiskStore.open(storeDir);
  try {
    const result = await build({ store, context, containerfile: CONTAINERFILE, tags: ['bench:1'], noCache });
    return { ms: performance.now() - t0, result };
  } finally {
    await store.close?.();
  }
}

export async function runBuild() {
  section('7. build: 20-step Containerfile, 5,000-file / 50 MB context, vs native SHA-256 of the context');
  const scratch = mkdtempSync(join(process.env.BENCH_BUILD_DIR ?? tmpdir(), 'overlay-buildbench-'));
  process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const ctxDir = join(scratch, 'ctx');
  mkdirSync(ctxDir);
  writeContext(ctxDir);
  const context = hostContext(ctxDir);
  const first = nativeHash(ctxDir);
  console.log(`context: ${first.files} files, ${fmtBytes(first.bytes)}; ${CONTAINERFILE.trim().split('\n').length} steps; store on disk under ${scratch}`);

  const native = [];
  const cached = [];
  const firstBuild = [];
  const copy = [];
  for (let r = 0; r < ROUNDS; r++) {
    const storeDir = join(scratch, `store${r}`);
    let t0 = performance.now();
    nativeHash(ctxDir);
    native.push(performance.now() - t0);
    const fresh = await timedBuild(storeDir, context, false);
    firstBuild.push(fresh.ms);
    const step = fresh.result.steps.find((s) => s.instruction === 'COPY . /ctx/');
    copy.push(step.timings);
    t0 = performance.now();
    nativeHash(ctxDir);
    native.push(performance.now() - t0);
    const again = await timedBuild(storeDir, context, false);
    if (again.result.summary.cached !== again.result.summary.steps) throw new Error(`cached rebuild missed: ${JSON.stringify(again.result.steps.map((s) => s.reason))}`);
    if (again.result.image.id !== fresh.result.image.id) throw new Error('cached rebuild gave another image');
    cached.push(again.ms);
  }
  const nativeMs = median(native);
  const m = (key) => median(copy.map((t) => t[key]));
  const out = {
    files: first.files,
    bytes: first.bytes,
    nativeMs,
    cachedMs: median(cached),
    firstBuildMs: median(firstBuild),
    copy: { keyMs: m('keyMs'), executeMs: m('executeMs'), commitMs: m('commitMs'), storeMs: m('storeMs') },
  };
  out.cachedRatio = out.cachedMs / nativeMs;
  out.copyRatio = nativeMs / (out.copy.keyMs + out.copy.executeMs);
  out.copyStepRatio = nativeMs / (out.copy.keyMs + out.copy.executeMs + out.copy.commitMs + out.copy.storeMs);
  const mbps = (ms) => `${(first.bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
  table(
    ['what (wall, median)', 'time', 'context throughput', 'vs native'],
    [
      ['native: read + SHA-256 every context file', `${nativeMs.toFixed(0)} ms`, mbps(nativeMs), '1.000x'],
      ['cached rebuild (open store, key context, 20 steps CACHED)', `${out.cachedMs.toFixed(0)} ms`, mbps(out.cachedMs), `${fmtX(out.cachedRatio)} the time`],
      ['first build, whole', `${out.firstBuildMs.toFixed(0)} ms`, mbps(out.firstBuildMs), `${fmtX(out.firstBuildMs / nativeMs)} the time`],
      ['first build: COPY . (read + key sources, copy into the mount)', `${(out.copy.keyMs + out.copy.executeMs).toFixed(0)} ms`, mbps(out.copy.keyMs + out.copy.executeMs), `${fmtX(out.copyRatio)} throughput`],
      ['  of which keying', `${out.copy.keyMs.toFixed(0)} ms`, '', ''],
      ["  + commit (the mount's changes as a layer)", `${out.copy.commitMs.toFixed(0)} ms`, '', ''],
      ['  + store (tar, DiffID, gzip, write)', `${out.copy.storeMs.toFixed(0)} ms`, '', ''],
      ['COPY . step whole', `${(out.copy.keyMs + out.copy.executeMs + out.copy.commitMs + out.copy.storeMs).toFixed(0)} ms`, '', `${fmtX(out.copyStepRatio)} throughput`],
    ],
  );
  return out;
}

export function buildTargets(b, targets) {
  targets.add('build: cached rebuild vs native read + SHA-256 of the context', '<= 2x', b.cachedRatio, b.cachedRatio <= 2, `${fmtX(b.cachedRatio)} the time`);
  targets.add('build: first COPY . throughput vs native SHA-256', '>= 0.5x', b.copyRatio, b.copyRatio >= 0.5, fmtX(b.copyRatio));
  targets.add('build: the COPY . step with commit and gzip store', '-', b.copyStepRatio, true, fmtX(b.copyStepRatio));
}
