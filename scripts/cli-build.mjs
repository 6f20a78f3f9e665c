/**
 * The `overlay` executable as esbuild bundles it (part of `npm run build`, after tsc).
 *
 * The whole CLI (src/cli/main.ts and all it imports, yargs among them) is one CommonJS bundle,
 * dist/cli/overlay-HASH.cjs, which the executable, dist/cli/overlay.cjs, compiles with
 * `vm.Script` and V8's code cache: the bytecode V8 made for that bundle when the build ran
 * `overlay --version`, kept beside it (overlay-HASH.cjs.cache). Node 20 has no compile cache for
 * modules of its own (`module.enableCompileCache` is Node 22), and parsing and compiling the
 * CLI's code was a third of a no-op re-push (README, registry "Speed"). A cache that V8 rejects
 * (another Node, other V8 flags) only costs the compile it would have saved. V8 checks a cache
 * against its source by length alone, so the bundle's name carries its content hash and a cache
 * can only ever sit beside the bundle it was made from.
 *
 * dist/cli/main.js, which tsc wrote from src/cli/main.ts, becomes a line that runs
 * dist/cli/overlay.cjs, so `node dist/cli/main.js` stays the same program (a few ms slower: an
 * ES module entry starts Node's ESM loader). The rest of dist/ stays tsc's: the library's
 * exports and the tests import it.
 *
 * The bundle sits one level under dist/, so a path a module makes from its own import.meta.url
 * (src/cli/webServer.ts: ../web) names the same place bundled; import.meta.url is the bundle's
 * file URL. yargs reads its translations (the `locales` folder beside its own package) from a
 * path made that way; they are copied to dist/yargs-locales/ and its shim pointed there, so a
 * German LANG still gets yargs's German messages.
 */
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.env.CLI_OUT ?? join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const YARGS = dirname(require.resolve('yargs/package.json'));
const YARGS_SHIM = join(YARGS, 'lib', 'platform-shims', 'esm.mjs');
/** The shim's lines (yargs 18, lib/platform-shims/esm.mjs) this build rewrites. */
const SHIM_LINES = {
  // `__dirname` there is the file's path.
  locales: "directory: resolve(__dirname, '../../../locales')",
  // Where yargs looks for a package.json (its constructor guesses a version from one): the
  // folder that holds node_modules, or else the working directory, walked up to /, and a
  // failed assertion (an AssertionError, formatted) where none is found. Bundled, no
  // node_modules is in the path: the package's root is what yargs would find installed.
  mainFilename: "const mainFilename = __dirname.substring(0, __dirname.lastIndexOf('node_modules'));",
  // node:assert is loaded only to throw for an assertion that fails, not at every start (yargs
  // asserts as it parses; its shim passes on Node's functions, which compare with Object.is).
  assert: "import { notStrictEqual, strictEqual } from 'assert'",
};

const yargsShim = {
  name: 'yargs-shim',
  setup(build) {
    build.onLoad({ filter: /platform-shims[\\/]esm\.mjs$/ }, (args) => {
      if (args.path !== YARGS_SHIM) return undefined;
      let text = readFileSync(args.path, 'utf8');
      for (const line of Object.values(SHIM_LINES)) {
        if (!text.includes(line)) throw new Error(`${args.path}: yargs no longer has "${line}"; update scripts/cli-build.mjs`);
      }
      // From dist/cli/overlay-HASH.cjs: two levels up is dist/, then the package's root.
      text = text.replace(SHIM_LINES.locales, "directory: resolve(__dirname, '../../yargs-locales')");
      text = text.replace(SHIM_LINES.mainFilename, "const mainFilename = resolve(__dirname, '../../..');");
      text = text.replace(
        SHIM_LINES.assert,
        [
          "const notStrictEqual = (actual, expected, message) => { if (Object.is(actual, expected)) require('node:assert').notStrictEqual(actual, expected, message); };",
          "const strictEqual = (actual, expected, message) => { if (!Object.is(actual, expected)) require('node:assert').strictEqual(actual, expected, message); };",
        ].join('\n'),
      );
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * string-width (yargs's, and cliui's own copy) builds an `Intl.Segmenter` and Unicode-property
 * regular expressions when its module loads: ICU's break data and the `\p{RGI_Emoji}` sets cost
 * about 40 ms of CPU at every start of every verb (`node -e` with those lines alone: 0.13 s
 * against 0.09 s), while only `--help`'s layout measures a string. Each such top-level constant
 * becomes a function made on its first call, and its uses calls of it.
 */
const LAZY_CONSTANT = /^const (\w+) = (new Intl\.Segmenter\(\)|\/.+\/[a-z]*);$/gm;
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const names = [...text.matchAll(LAZY_CONSTANT)].map((m) => m[1]);
      if (!names.includes('segmenter')) throw new Error(`${args.path}: string-width no longer has "const segmenter = new Intl.Segmenter();"; update scripts/cli-build.mjs`);
      text = text.replace(LAZY_CONSTANT, (_line, name, value) => `let ${name}$made; const ${name}$ = () => (${name}$made ??= ${value});`);
      for (const name of names) text = text.replace(new RegExp(`(?<![\\w$.])${name}(?![\\w$])`, 'g'), `${name}$()`);
      return { contents: text, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * What the bundle is wrapped in, as Node wraps a CommonJS module: a function, strict as the ES
 * modules it was bundled from, that is also given the bundle's own URL (its import.meta.url).
 */
const WRAPPER = ["(function (exports, require, module, __filename, __dirname, __overlayBundleUrl) {'use strict';", '\n})'];

/**
 * glibc's malloc settings for the CLI's process. A page of fresh memory costs a page fault, and
 * faults are dear where the kernel runs virtualised: 10 us each on this project's machines, where
 * `overlay analyze` of the 50,000-file bench archive took 19,000 of them (bench/sections/analyze.mjs).
 * By default glibc maps each block over 128 KiB anew and unmaps it when freed (V8's compiler
 * frees its zones after every function, the tar reader a 1 MiB window per layer), gives freed
 * memory back above 128 KiB, and gives each thread its own arena. So one arena; blocks of up to
 * 32 MiB from the heap, kept when freed (up to 256 MiB) for the next allocation to reuse; the
 * heap grown 64 MiB at a time, in transparent huge pages where the kernel allows them on request
 * (`madvise` mode): 2 MiB a fault. Measured interleaved on that archive: 19,400 faults to 12,500,
 * CPU time down by 10-20 %, the same peak RSS (README, registry "Start-up"). Other libcs ignore
 * the variable.
 */
const MALLOC_TUNABLES = [
  'glibc.malloc.arena_max=1',
  'glibc.malloc.mmap_threshold=33554432',
  'glibc.malloc.trim_threshold=268435456',
  'glibc.malloc.top_pad=67108864',
  'glibc.malloc.hugetlb=1',
].join(':');

/**
 * V8 settings for the verbs that read a store and print (or write out what they read), set
 * once the bundle is compiled. These run for well under a second, cold, so V8's own defaults,
 * made for long-lived programs, cost more than they earn:
 * - the optimising compiler's inlining and on-stack replacement: the compiles they start
 *   (about 130 functions for an analysis, on a second thread) cost more CPU than the faster
 *   code they make gives back before the verb ends;
 * - the young generation doubling (to 16 MiB a semi-space) as objects survive: each doubling is
 *   fresh pages, and a page fault costs about 10 us here (MALLOC_TUNABLES); and scavenges run
 *   on helper threads, which on two cores cost more in waking than they share.
 * Interleaved runs (README, "V8 tuned per verb"): `overlay analyze` of the 50,000-file bench
 * archive, 24 % less CPU; `ls -R /` of the 500 MB image, 31 %; `overlay demo`, 11 %. The verbs
 * that write much (import, load, commit, build, push, pull) keep V8's defaults: a young
 * generation held small made `import` of the 500 MB tree 15 % slower. So do those that read only
 * the store's documents (images, inspect, history): tuned, each took some 5 ms more. Node's own
 * modules loaded after the change compile without their code cache, which V8 checks against
 * the flags too, and these verbs have nothing to win it back on.
 *
 * Only where measured (V8 11.3, Node 20), and not when the user names one of these settings
 * (NODE_OPTIONS, node's own arguments): then theirs stand. These four are read where V8 uses
 * them (each compile, each scavenge, each growth), so they may change after start; V8 checks a
 * code cache against the flags it was made under, so the defaults are set back before one is made.
 */
const TUNED_VERBS = ['analyze', 'cat', 'cp', 'demo', 'diff', 'explain', 'export', 'ls', 'stack'];
const V8_TUNED = '--no-turbo-inlining --no-use-osr --semi-space-growth-factor=1 --no-parallel-scavenge';
const V8_DEFAULTS = '--turbo-inlining --use-osr --semi-space-growth-factor=2 --parallel-scavenge';
const USER_V8_SETTING = /turbo[-_]inlining|use[-_]osr|semi[-_]space|parallel[-_]scavenge|single[-_]threaded/;

/**
 * The executable: compiles the bundle with its code cache when there is one (the verb's own,
 * else the shared one), and runs it as Node runs a CommonJS module. OVERLAY_CODE_CACHE_OUT names
 * a file to write the bytecode V8 holds for the bundle to, at exit: the build's own run, below,
 * makes the shared cache so. A verb's own cache is written as the comment in the code says.
 *
 * It is a shell script and a CommonJS module at once. Run as a command, /bin/sh reads its second
 * line and starts Node on the same file, where that line is a string and a comment. The shell is
 * there for one thing. Node 20 reads NODE_EXTRA_CA_CERTS's file at start, before any script runs.
 * It parses all of its own root certificates with that file: 40 to 55 ms of every start with
 * Debian's bundle (README, registry "Speed"). Yet only an https registry needs them. So the shell
 * moves the variable to OVERLAY_DEFERRED_CA_CERTS, and the JavaScript below puts it back for
 * child processes. It also leaves the file's name where src/cli/nodeFetch.ts reads it: the first
 * https connection trusts Node's roots plus that file, as Node would have. The move is skipped
 * when NODE_OPTIONS picks another CA store (--use-openssl-ca and the like), whose roots we could
 * not name. `node dist/cli/overlay.cjs` skips the shell: Node reads the file itself, as it always did.
 *
 * The shell also sets glibc's malloc tunables (MALLOC_TUNABLES) when the user has set none.
 */
function launcher(bundle, verbs, valueOptions) {
  for (const verb of TUNED_VERBS) if (!verbs.includes(verb)) throw new Error(`TUNED_VERBS names ${verb}, which is no verb; update scripts/cli-build.mjs`);
  return `#!/bin/sh
':' //; if [ -n "$NODE_EXTRA_CA_CERTS" ]; then case "$NODE_OPTIONS" in *openssl-ca*|*bundled-ca*|*system-ca*) ;; *) export OVERLAY_DEFERRED_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS;; esac; fi; if [ -z "\${GLIBC_TUNABLES+set}" ]; then export GLIBC_TUNABLES=${MALLOC_TUNABLES} OVERLAY_OWN_GLIBC_TUNABLES=1; fi; exec node "$0" "$@"
'use strict';
// The overlay executable, written by scripts/cli-build.mjs: see there.
const ownMallocTunables = process.env.OVERLAY_OWN_GLIBC_TUNABLES !== undefined;
if (ownMallocTunables) {
  // The launcher's malloc settings are for this process: child processes get the user's environment.
  delete process.env.OVERLAY_OWN_GLIBC_TUNABLES;
  delete process.env.GLIBC_TUNABLES;
}
const deferredCaCerts = process.env.OVERLAY_DEFERRED_CA_CERTS;
if (deferredCaCerts !== undefined) {
  delete process.env.OVERLAY_DEFERRED_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = deferredCaCerts;
  globalThis[Symbol.for('overlay.deferredExtraCaCerts')] = deferredCaCerts;
}
const { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { debuglog } = require('node:util');
const { Script } = require('node:vm');
const file = join(__dirname, ${JSON.stringify(bundle)});
// The bundle is already wrapped as a function (see WRAPPER), so its text is the script's source
// as read: no copy to join it to a wrapper. Fresh memory costs a page fault a page, so the
// cache is read into the bytes the source was decoded from, which it fits.
const bytes = readFileSync(file);
const source = bytes.toString('latin1');
const readCache = (path) => {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const into = size <= bytes.length ? bytes : Buffer.allocUnsafeSlow(size);
      for (let at = 0, n; at < size; at += n) if ((n = readSync(fd, into, at, size - at, at)) === 0) return undefined;
      return into.subarray(0, size);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
};
// The verb: the first word after the global options, from run.ts's own tables (verbsToLoad).
// Unlike verbsToLoad it passes over an option it does not know: a wrong guess names a cache,
// not a result, and a run that fails writes none.
const VERBS = new Set(${JSON.stringify(verbs)});
const VALUE_OPTIONS = new Set(${JSON.stringify(valueOptions)});
let verb;
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (VALUE_OPTIONS.has(arg)) i++;
  else if (!arg.startsWith('-')) {
    if (VERBS.has(arg)) verb = arg;
    break;
  }
}
const out = process.env.OVERLAY_CODE_CACHE_OUT;
delete process.env.OVERLAY_CODE_CACHE_OUT;
const verbCache = verb === undefined || out ? undefined : \`\${file}.\${verb}.cache\`;
let cachedData = verbCache === undefined ? undefined : readCache(verbCache);
const ownCache = cachedData !== undefined;
cachedData ??= readCache(file + '.cache');
const script = new Script(source, { filename: file, cachedData });
const taken = cachedData !== undefined && !script.cachedDataRejected;
// V8 tuned for a verb that reads (TUNED_VERBS in scripts/cli-build.mjs), once the cache is checked.
const tuned =
  !out &&
  verb !== undefined &&
  new Set(${JSON.stringify(TUNED_VERBS)}).has(verb) &&
  /^11\\.3\\./.test(process.versions.v8) &&
  !${USER_V8_SETTING}.test(\`\${process.execArgv.join(' ')} \${process.env.NODE_OPTIONS ?? ''}\`);
// node:v8 loads Node's streams with it: only for the verbs tuned, which load them anyway.
if (tuned) require('node:v8').setFlagsFromString(${JSON.stringify(V8_TUNED)});
// NODE_DEBUG=overlay tells which cache V8 took, and whether Node's start skipped the extra CAs.
const debug = debuglog('overlay');
debug('code cache %s (%s)', cachedData === undefined ? 'absent' : taken ? 'used' : 'rejected', ownCache ? verb : 'shared');
if (ownMallocTunables) debug('malloc tuned for this process (GLIBC_TUNABLES)');
if (tuned) debug('V8 tuned for %s (%s)', verb, ${JSON.stringify(V8_TUNED)});
if (deferredCaCerts !== undefined) debug('NODE_EXTRA_CA_CERTS read at the first https connection, not at start');
// What V8 compiled by the end of a run, for the next runs. The build's run of --version writes
// the cache every verb starts from. The first run of a verb that succeeds writes that verb's own
// cache, with what the verb compiled too, as Python keeps __pycache__ beside its modules:
// a no-op re-push, 6 ms less. Written once (or again when V8 refused it), beside the bundle.
// A directory we may not write to keeps the shared cache.
// The temporary file is made first: where it cannot be, V8 is not asked for the data at all.
const writeCache = (target) => {
  const temp = \`\${target}.\${process.pid}.tmp\`;
  let fd;
  try {
    fd = openSync(temp, 'wx');
  } catch {
    return false;
  }
  try {
    // The flags the next run checks this cache against: V8's own (see TUNED_VERBS).
    if (tuned) require('node:v8').setFlagsFromString(${JSON.stringify(V8_DEFAULTS)});
    writeFileSync(fd, script.createCachedData());
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
    return true;
  } catch {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {}
    return false;
  }
};
if (out) {
  process.once('exit', () => {
    if (!writeCache(out)) throw new Error(\`cannot write the code cache \${out}\`);
  });
} else if (verbCache !== undefined && !(ownCache && taken)) {
  process.once('exit', (code) => {
    if (code === 0) writeCache(verbCache);
  });
}
const bundleModule = { exports: {} };
script.runInThisContext().call(bundleModule.exports, bundleModule.exports, require, bundleModule, file, __dirname, pathToFileURL(file).href);
`;
}

export async function buildCli() {
  const cliDir = join(DIST, 'cli');
  mkdirSync(cliDir, { recursive: true });
  // The bundle, its caches (the build's and each verb's), and temporary files of either.
  for (const name of readdirSync(cliDir)) if (/^overlay-\w+\.cjs(\.[\w.]+)?$/.test(name)) rmSync(join(cliDir, name));
  rmSync(join(DIST, 'cli-chunks'), { recursive: true, force: true });
  rmSync(join(DIST, 'yargs-locales'), { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { 'cli/overlay': 'src/cli/main.ts' },
    entryNames: '[dir]/[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: ['node20'],
    outdir: DIST,
    metafile: true,
    // Less to read and parse. Function and class names are not kept: nothing reads them (our
    // errors set their `name`, yargs's and tar-stream's too), and keeping them is a call at
    // every definition (--version: about 4 ms less without, the 10th and 25th percentiles of
    // 41 alternated runs). esbuild writes ASCII (charset), read as latin1 by the launcher.
    minify: process.env.CLI_MINIFY !== '0',
    charset: 'ascii',
    legalComments: 'none',
    // The bundle runs as CommonJS: its import.meta.url is its file's URL, which the launcher passes.
    define: { 'import.meta.url': '__overlayBundleUrl' },
    plugins: [yargsShim, lazyStringWidth],
    logLevel: 'warning',
  });
  const [bundlePath] = Object.keys(result.metafile.outputs);
  const bundle = basename(bundlePath);
  writeFileSync(join(cliDir, bundle), WRAPPER[0] + readFileSync(join(cliDir, bundle), 'latin1') + WRAPPER[1], 'latin1');
  cpSync(join(YARGS, 'locales'), join(DIST, 'yargs-locales'), { recursive: true });
  const bin = join(cliDir, 'overlay.cjs');
  // The verb table and the global options, as tsc compiled them (npm run build runs tsc first).
  const commandLine = await import(pathToFileURL(join(ROOT, 'dist', 'cli', 'commands', 'index.js')).href);
  writeFileSync(bin, launcher(bundle, commandLine.VERB_NAMES, [...commandLine.VALUE_OPTIONS]));
  chmodSync(bin, 0o755);
  writeFileSync(join(cliDir, 'main.js'), "#!/usr/bin/env node\n// The overlay executable is dist/cli/overlay.cjs (scripts/cli-build.mjs); this path runs it too.\nimport { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./overlay.cjs');\n");
  chmodSync(join(cliDir, 'main.js'), 0o755);
  // The code cache: what V8 compiled to run `overlay --version` (yargs, the verb table, the
  // store's modules), in the Node that builds, with no V8 flags set.
  const cache = join(cliDir, `${bundle}.cache`);
  const made = spawnSync(process.execPath, [bin, '--version'], { env: { ...process.env, OVERLAY_CODE_CACHE_OUT: cache }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (made.status !== 0) throw new Error(`${bin} --version exited ${made.status}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
