#!/usr/bin/env node
/**
 * Stress of the disk store through the built CLI (not part of `npm test`; run it by hand after
 * `npm run build`):
 *
 *   node test/stress/storeStress.mjs [--trials 200] [--writers 8] [--readers 8] [--rounds 5] [--bin dist/cli/overlay.cjs]
 *
 * (`--trials 0` runs the concurrency part only; `--bin` runs another build, e.g. a main checkout's.)
 *
 * 1. SIGKILL trials: each trial starts one mutating verb (commit, save, load, import, rmi,
 *    prune, write, rm -r, create, container rm) on a small store and kills it with SIGKILL at
 *    a random moment of its run (from its start to a little past its usual duration). Then,
 *    with fresh processes: the store loads (`images`, `ps`), `fsck` finds nothing damaged or
 *    missing (unreferenced blobs are allowed: a killed writer may leave some, `prune` takes
 *    them), no completed operation is lost, the killed one is done whole or not at all, and
 *    nothing is left behind (STORE/tmp, hidden container directories, lock files, the
 *    temporary file of `save -o` once the next save to that file ran).
 * 2. Concurrency: W writers (`append c /log`) and R readers (`cat c /etc/motd`) at once, for a few
 *    rounds: failures, lost lines, and the worst time one command took (its wait for the lock).
 *
 * Prints a summary and exits 1 when anything failed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const BIN = args.includes('--bin') ? resolve(args[args.indexOf('--bin') + 1]) : join(ROOT, 'dist', 'cli', 'overlay.cjs');
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TRIALS = opt('trials', 200);
const WRITERS = opt('writers', 8);
const READERS = opt('readers', 8);
const ROUNDS = opt('rounds', 5);

if (!existsSync(BIN)) {
  console.error(`build first: ${BIN} is missing (npm run build)`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'overlay-stress-'));
const store = join(work, 'store');
const env = { PATH: process.env.PATH ?? '', HOME: work, OVERLAY_STORE: store, SOURCE_DATE_EPOCH: '1700000000' };

/** Runs the CLI to completion. */
function run(argv) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: work, env, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), ms: Date.now() - started };
}
function ok(argv) {
  const r = run(argv);
  if (r.code !== 0) throw new Error(`overlay ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const json = (argv) => JSON.parse(ok([...argv, '--json']));
const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Starts the CLI; resolves with its exit code or signal and how long it ran. */
function start(argv) {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr, ms: Date.now() - started })));
  return { child, done };
}

// ------------------------------------------------------------------------------ the store

const data = join(work, 'data');
mkdirSync(join(data, 'etc'), { recursive: true });
writeFileSync(join(data, 'etc', 'motd'), 'hello\n');
for (let i = 0; i < 4; i++) writeFileSync(join(data, `file${i}`), randomBytes(256 << 10));
const payload = join(work, 'payload');
const payloadBytes = randomBytes(512 << 10);
writeFileSync(payload, payloadBytes);
const payloadHash = sha(payloadBytes);
ok(['import', data, 'base:1']);
ok(['create', 'base:1', '--name', 'c']);
ok(['write', 'c', '/seed', '--from', payload]);
ok(['commit', 'c', 'seed:1']);
ok(['save', 'seed:1', '-o', 'seed.tar']);
ok(['tag', 'seed:1', 'ld:1']);
ok(['save', 'ld:1', '-o', 'ld.tar']);
ok(['rmi', 'ld:1']);

/** What must exist (completed operations), checked after every trial. */
const mustImages = new Set(['base:1', 'seed:1']);
const mustContainers = new Set(['c']);
const mustFiles = new Map([['/seed', payloadHash]]);

const lsR = (target) => ok(['ls', '-R', target]);

/** Each verb: prepare (unkilled), the command to kill, and how to judge its result (done whole, or not at all). */
const verbs = {
  commit: (i) => ({
    argv: ['commit', 'c', `snap:${i}`],
    judge(images) {
      if (!images.has(`snap:${i}`)) return undefined;
      return lsR(`snap:${i}`) === lsR('c') ? { image: `snap:${i}` } : 'commit: image differs from its container';
    },
  }),
  save: () => ({
    argv: ['save', 'seed:1', '-o', 'out.tar'],
    judge() {
      if (!existsSync(join(work, 'out.tar'))) return undefined;
      const t = spawnSync('tar', ['-tf', join(work, 'out.tar')]);
      return t.status === 0 ? undefined : 'save: out.tar is not a whole tar';
    },
  }),
  load: () => {
    run(['rmi', 'ld:1']);
    return {
      argv: ['load', '-i', 'ld.tar'],
      judge(images) {
        if (!images.has('ld:1')) return undefined;
        return lsR('ld:1') === lsR('seed:1') ? undefined : 'load: loaded image differs';
      },
    };
  },
  import: (i) => ({
    argv: ['import', data, `imp:${i}`],
    judge(images) {
      if (!images.has(`imp:${i}`)) return undefined;
      return lsR(`imp:${i}`) === lsR('base:1') ? { image: `imp:${i}` } : 'import: image differs from its source';
    },
  }),
  rmi: (_i, images) => {
    const victim = [...images].find((n) => !mustImages.has(n) || /^(snap|imp):/.test(n));
    if (victim === undefined) return undefined;
    mustImages.delete(victim);
    return {
      argv: ['rmi', victim],
      judge(after) {
        return after.has(victim) && lsR(victim) === '' ? `rmi: ${victim} half removed` : undefined;
      },
    };
  },
  prune: () => ({ argv: ['prune'], judge: () => undefined }),
  write: (i) => ({
    argv: ['write', 'c', `/f${i}`, '--from', payload],
    judge() {
      const r = run(['cat', 'c', `/f${i}`]);
      if (r.code !== 0) return undefined;
      return sha(spawnSync(process.execPath, [BIN, 'cat', 'c', `/f${i}`], { cwd: work, env }).stdout) === payloadHash ? { file: `/f${i}` } : `write: /f${i} is partial`;
    },
  }),
  'rm -r': (i) => {
    ok(['mkdir', 'c', `/tree${i}/a/b`, '-p']);
    ok(['write', 'c', `/tree${i}/a/b/x`, 'x']);
    ok(['write', 'c', `/tree${i}/y`, 'y']);
    return {
      argv: ['rm', '-r', 'c', `/tree${i}`],
      judge() {
        const r = run(['ls', '-R', 'c', `/tree${i}`]);
        if (r.code !== 0) return undefined;
        return r.stdout === 'a/\na/b/\na/b/x\ny\n' ? undefined : `rm -r: /tree${i} half removed: ${JSON.stringify(r.stdout)}`;
      },
    };
  },
  create: (i) => ({
    argv: ['create', 'base:1', '--name', `k${i}`],
    judge(_images, containers) {
      if (!containers.has(`k${i}`)) return undefined;
      return run(['ls', `k${i}`, '/etc']).code === 0 ? { container: `k${i}` } : `create: k${i} does not mount`;
    },
  }),
  'container rm': (_i, _images, containers) => {
    const victim = [...containers].find((n) => n !== 'c');
    if (victim === undefined) return undefined;
    mustContainers.delete(victim);
    return {
      argv: ['rm', victim],
      judge(_after, after) {
        if (!after.has(victim)) return undefined;
        return run(['ls', victim, '/etc']).code === 0 ? undefined : `container rm: ${victim} half removed`;
      },
    };
  },
};

/** Usual duration of each verb, measured once un-killed. */
const usual = new Map();

function state() {
  const images = new Set(json(['images']).flatMap((i) => (i.tag === '<none>' ? [] : [`${i.repository}:${i.tag}`])));
  const containers = new Set(json(['ps']).map((c) => c.name));
  return { images, containers };
}

function leftovers() {
  const out = [];
  const tmp = join(store, 'tmp');
  if (existsSync(tmp)) out.push(...readdirSync(tmp).map((n) => `tmp/${n}`));
  out.push(...readdirSync(join(store, 'containers')).filter((n) => n.startsWith('.')).map((n) => `containers/${n}`));
  out.push(...readdirSync(store).filter((n) => n.startsWith('overlay.lock')));
  return out;
}

const problems = [];
// Each problem is printed as it is found, so a run cut short still says what went wrong.
const record = problems.push.bind(problems);
problems.push = (...found) => {
  for (const p of found) console.error(`problem: ${p}`);
  return record(...found);
};
const counts = { trials: 0, killed: 0, finishedBeforeKill: 0, storeFailedToLoad: 0, fsckDamage: 0, lost: 0, halfDone: 0, leftovers: 0 };
const names = Object.keys(verbs);
const t0 = Date.now();
for (let i = 0; counts.trials < TRIALS; i++) {
  const verb = names[i % names.length];
  let before;
  try {
    before = state();
  } catch (error) {
    counts.storeFailedToLoad++;
    problems.push(`trial ${i} (${verb}): store does not load before the trial: ${error.message}`);
    break;
  }
  const plan = verbs[verb](i, before.images, before.containers);
  if (plan === undefined) continue;
  counts.trials++;
  let result;
  if (!usual.has(verb)) {
    result = await start(plan.argv).done;
    usual.set(verb, result.ms);
  } else {
    const { child, done } = start(plan.argv);
    const delay = Math.random() * usual.get(verb) * 1.1;
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    result = await done;
    clearTimeout(timer);
  }
  if (result.signal === 'SIGKILL') counts.killed++;
  else if (result.code === 0) counts.finishedBeforeKill++;
  else if (result.code !== 0) problems.push(`trial ${i} (${verb}): exited ${result.code}: ${result.stderr.trim()}`);
  // The checks, each a fresh process (the first one takes over the dead lock and cleans tmp/).
  let after;
  try {
    after = state();
  } catch (error) {
    counts.storeFailedToLoad++;
    problems.push(`trial ${i} (${verb}): store does not load: ${error.message}`);
    break;
  }
  const fsck = JSON.parse(run(['fsck', '--json']).stdout);
  if (!fsck.clean) {
    counts.fsckDamage++;
    problems.push(`trial ${i} (${verb}): fsck: ${JSON.stringify({ ...fsck, unreferencedBlobs: fsck.unreferencedBlobs.length })}`);
  }
  for (const name of mustImages) if (!after.images.has(name)) (counts.lost++, problems.push(`trial ${i} (${verb}): lost image ${name}`));
  for (const name of mustContainers) if (!after.containers.has(name)) (counts.lost++, problems.push(`trial ${i} (${verb}): lost container ${name}`));
  // The seed file and the newest files written (all of them would make each trial slower and slower).
  for (const [path, hash] of [...mustFiles].filter(([p], n, all) => p === '/seed' || n >= all.length - 2)) {
    const bytes = spawnSync(process.execPath, [BIN, 'cat', 'c', path], { cwd: work, env }).stdout;
    if (sha(bytes) !== hash) (counts.lost++, problems.push(`trial ${i} (${verb}): lost file ${path}`));
  }
  const judged = plan.judge(after.images, after.containers);
  if (typeof judged === 'string') (counts.halfDone++, problems.push(`trial ${i} (${verb}): ${judged}`));
  else if (judged !== undefined) {
    if (judged.image !== undefined) mustImages.add(judged.image);
    if (judged.container !== undefined) mustContainers.add(judged.container);
    if (judged.file !== undefined) mustFiles.set(judged.file, payloadHash);
  }
  const left = leftovers();
  if (left.length > 0) (counts.leftovers++, problems.push(`trial ${i} (${verb}): left behind: ${left.join(', ')}`));
  if (counts.trials % 20 === 0) console.error(`… ${counts.trials} trials, ${problems.length} problems, ${Math.round((Date.now() - t0) / 1000)} s`);
}
// The temporary file of a killed `save -o out.tar` goes with the next save to that file.
ok(['save', 'seed:1', '-o', 'out.tar']);
const saveTemps = readdirSync(work).filter((n) => n.startsWith('out.tar.'));
if (saveTemps.length > 0) (counts.leftovers++, problems.push(`save -o leftovers after the next save: ${saveTemps.join(', ')}`));
const killSeconds = Math.round((Date.now() - t0) / 1000);
console.error(`kill trials: ${JSON.stringify(counts)}`);

// ------------------------------------------------------------------------- concurrency

const concurrency = { rounds: ROUNDS, writers: WRITERS, readers: READERS, failures: 0, lostLines: 0, worstWriterMs: 0, worstReaderMs: 0 };
ok(['rm', '-r', '-f', 'c', '/log']);
for (let round = 0; round < ROUNDS; round++) {
  const procs = [];
  for (let w = 0; w < WRITERS; w++) procs.push({ kind: 'writer', ...start(['append', 'c', '/log', `r${round}w${w}\n`]) });
  for (let r = 0; r < READERS; r++) procs.push({ kind: 'reader', ...start(['cat', 'c', '/etc/motd']) });
  for (const p of procs) {
    const res = await p.done;
    if (res.code !== 0) (concurrency.failures++, problems.push(`concurrency round ${round}: ${p.kind} exited ${res.code}: ${res.stderr.trim()}`));
    if (p.kind === 'writer') concurrency.worstWriterMs = Math.max(concurrency.worstWriterMs, res.ms);
    else concurrency.worstReaderMs = Math.max(concurrency.worstReaderMs, res.ms);
  }
}
const lines = new Set(ROUNDS === 0 ? [] : ok(['cat', 'c', '/log']).trim().split('\n'));
for (let round = 0; round < ROUNDS; round++) for (let w = 0; w < WRITERS; w++) if (!lines.has(`r${round}w${w}`)) concurrency.lostLines++;
if (concurrency.lostLines > 0) problems.push(`concurrency: ${concurrency.lostLines} appended lines lost`);

const perVerb = Object.fromEntries([...usual].map(([v, ms]) => [v, `${ms} ms`]));
console.log(JSON.stringify({ kill: { ...counts, seconds: killSeconds, usualDuration: perVerb }, concurrency, problems: problems.slice(0, 30), problemCount: problems.length }, null, 2));
process.exit(problems.length === 0 ? 0 : 1);
