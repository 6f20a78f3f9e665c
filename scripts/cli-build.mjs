/**
 * The `overlay` executable as esbuild bundles it (part of `npm run build`, after tsc): the entry
 * (src/cli/main.ts) replaces tsc's dist/cli/main.js, and each verb's module with what it alone
 * needs is a chunk in dist/cli-chunks/, loaded by the verb list's import() (src/cli/commands/index.ts).
 * Node reads and compiles a few files instead of some two hundred (yargs and its dependencies
 * among them): `overlay --version` went from about 0.35 s of CPU to 0.2 s, a no-op re-push from
 * 0.5 s to 0.3 s (README, registry "Speed"). The rest of dist/ stays tsc's: the library's exports
 * and the tests import it.
 *
 * Both output folders sit one level under dist/, as dist/cli/ does, so a path a module makes
 * from its own import.meta.url (src/cli/webServer.ts: ../web) names the same place bundled.
 * yargs reads its translations (the `locales` folder beside its own package) from a path made
 * that way; they are copied to dist/yargs-locales/ and its shim pointed there, so a German
 * LANG still gets yargs's German messages.
 */
import * as esbuild from 'esbuild';
import { chmodSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.env.CLI_OUT ?? join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const YARGS = dirname(require.resolve('yargs/package.json'));
const YARGS_SHIM = join(YARGS, 'lib', 'platform-shims', 'esm.mjs');
/** The shim's own line (yargs 18, lib/platform-shims/esm.mjs): `__dirname` there is the file's path. */
const LOCALES_LINE = "directory: resolve(__dirname, '../../../locales')";

const yargsLocales = {
  name: 'yargs-locales',
  setup(build) {
    build.onLoad({ filter: /platform-shims[\\/]esm\.mjs$/ }, (args) => {
      if (args.path !== YARGS_SHIM) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(LOCALES_LINE)) throw new Error(`${args.path}: yargs no longer has "${LOCALES_LINE}"; update scripts/cli-build.mjs`);
      // From dist/cli/main.js or dist/cli-chunks/*.js: two levels up is dist/.
      return { contents: text.replace(LOCALES_LINE, "directory: resolve(__dirname, '../../yargs-locales')"), loader: 'js', resolveDir: dirname(args.path) };
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

export async function buildCli() {
  rmSync(join(DIST, 'cli-chunks'), { recursive: true, force: true });
  rmSync(join(DIST, 'yargs-locales'), { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { 'cli/main': 'src/cli/main.ts' },
    bundle: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'cli-chunks/[name]-[hash]',
    platform: 'node',
    target: ['node20'],
    outdir: DIST,
    // Less to parse at every start; names are kept (an error's class name is printed).
    minify: process.env.CLI_MINIFY !== '0',
    keepNames: true,
    legalComments: 'none',
    // The CommonJS dependencies (tar-stream's streamx) call require() for Node's modules.
    banner: { js: "import { createRequire as __overlayRequire } from 'node:module'; const require = __overlayRequire(import.meta.url);" },
    plugins: [yargsLocales, lazyStringWidth],
    logLevel: 'warning',
  });
  cpSync(join(YARGS, 'locales'), join(DIST, 'yargs-locales'), { recursive: true });
  chmodSync(join(DIST, 'cli', 'main.js'), 0o755);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
