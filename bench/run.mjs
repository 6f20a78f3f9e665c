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
//      the same bytes; 4b. the tar codec (toTar, fromTar + diffId) on 64 files of 1 MiB, against
//      the same (both run under BENCH_ONLY=tar).
//   5. `overlay demo` end to end (the README's main job), against a bare Node start-up.
//   6. (opt-in, minutes) The CLI on a real-size generated rootfs image, whole processes: against
//      the same commands on a demo-sized image and against peers (umoci, skopeo, sha256sum +
//      gzip, tar), and a growth table (issue 9's targets).
//   7. (opt-in, about a minute) `overlay analyze` of a docker-save archive of 50,000 files in 10
//      layers against `tar -t` of the same layer tars (issue 13's target).
//   8. (opt-in: BENCH_ONLY=build) `build()` of a 20-step Containerfile on a 5,000-file / 50 MB
//      context into a disk store: cached rebuild and the first build's COPY against native
//      SHA-256 of the context (issue 12's targets; bench/sections/build.mjs).
//   9. (opt-in: BENCH_ONLY=registry) push, no-op re-push and pull against a loopback
//      docker-registry, vs skopeo copy (issue 15's targets; bench/sections/registry.mjs).
//  10. The teaching page: its JS gzipped and its first render in chromium (issue 14's budget;
//      bench/web.mjs, about 20 s).
//
// Timing: lookups and tar rounds are timed in process CPU time (user + system), interleaved and
// rotated between implementations, median of many rounds; ratios are medians of per-round
// ratios. A busy machine inflates everything, so the load average is printed when it is high.
//
// Needs the build (`npm run build`) and `--expose-gc` (re-executes itself with it if missing).
// Environment: BENCH_QUICK=1 (fewer rounds, a smoke run); BENCH_ONLY=lookups,write,tar,demo,big
// (some sections only; big runs only when named, or with BENCH_BIG=1, and has its own settings,
// see bench/sections/bigImage.mjs; analyze runs only when named, see bench/sections/analyze.mjs); BENCH_DIST=<dir> (time another build of the package, e.g. a patched copy of
// dist/, for an A/B of an engine change; its imports must resolve, so keep it inside the repo
// or give it a node_modules link).
//
// Files: bench/lib/ holds what every section shares (config.mjs: the environment settings and the
// re-exec; package.mjs: the package under test; timing.mjs: clocks, medians, ratios, the
// interleaved loop runner, the PRNG; report.mjs: formats, tables, targets, results.json);
// bench/sections/ holds one file per section (lookups.mjs with its data in lookupStack.mjs for 1
// and 2, write.mjs, tar.mjs and tarCodec.mjs for 4 and 4b, demo.mjs, bigImage.mjs with
// bigImageReport.mjs for 6; bench/lib/rootfs.mjs generates its tree and bench/lib/processes.mjs
// times its processes). This file runs the selected sections and the summary.

import { ONLY, requireExposedGc } from './lib/config.mjs';
import { Targets, printHeader, runEnv, section, writeResults } from './lib/report.mjs';

requireExposedGc(import.meta.url);

// Loaded after the re-exec, so only the process that measures loads the package.
const { defaultSha256 } = await import('./lib/package.mjs');
const { lookupTargets, mountTarget, runLookups } = await import('./sections/lookups.mjs');
const { runWrite, writeTargets } = await import('./sections/write.mjs');
const { runTar, tarTargets } = await import('./sections/tar.mjs');
const { runTarCodec, tarCodecTargets } = await import('./sections/tarCodec.mjs');
const { demoTargets, runDemo } = await import('./sections/demo.mjs');
const { bigTargets, runBigImage } = await import('./sections/bigImage.mjs');
const { analyzeTargets, runAnalyze } = await import('./sections/analyze.mjs');
// Section 8 loads only when named (it imports the package's build and disk store at load).
const { buildTargets, runBuild } = ONLY.has('build') ? await import('./sections/build.mjs') : {};
const { registryTargets, runRegistryBench } = await import('./sections/registry.mjs');
const { runWeb, webTargets } = await import('./web.mjs');

const started = performance.now();
const env = runEnv(defaultSha256().name);
printHeader(env);

const results = { date: new Date().toISOString(), env };
if (ONLY.has('lookups')) Object.assign(results, runLookups());
if (ONLY.has('write')) results.write256MiB = runWrite();
if (ONLY.has('tar')) results.tar = runTar();
if (ONLY.has('tar')) results.tarCodec = await runTarCodec();
if (ONLY.has('demo')) results.demo = runDemo();
if (ONLY.has('big')) results.big = runBigImage();
if (ONLY.has('analyze')) results.analyze = runAnalyze();
if (ONLY.has('build')) results.build = await runBuild();
if (ONLY.has('registry')) results.registry = await runRegistryBench();
if (ONLY.has('web')) results.web = await runWeb();

section('summary: targets');
const targets = new Targets();
if (results.lookups) lookupTargets(results.lookups, targets);
if (results.write256MiB) writeTargets(results.write256MiB, targets);
if (results.tar) tarTargets(results.tar, targets);
if (results.tarCodec) tarCodecTargets(results.tarCodec, targets);
if (results.demo) demoTargets(results.demo, targets);
if (results.mount) mountTarget(results.mount, targets);
if (results.big) bigTargets(results.big, targets);
if (results.analyze) analyzeTargets(results.analyze, targets);
if (results.build) buildTargets(results.build, targets);
if (results.registry) registryTargets(results.registry, targets);
if (results.web) webTargets(results.web, targets);
targets.print();
writeResults(results, targets, started, new URL('./results.json', import.meta.url));
