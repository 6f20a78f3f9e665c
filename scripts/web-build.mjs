/**
 * `npm run web:build`: the teaching page (src/web) as a static bundle in dist/web/, made by
 * esbuild from the same src/ as the CLI. The page's terminal runs the CLI's own `run`
 * (src/cli/run.ts), so the Node edge is swapped for the browser's at bundle time, the way a
 * package.json "browser" field maps modules:
 *   src/host/index.ts (disk store, host files)  → src/web/host/index.ts (store in memory + IndexedDB)
 *   node:fs, node:path, node:os from src/cli     → src/web/host/node.ts (a host with no files)
 *   yargs (its Node platform shim)               → src/web/host/yargs.mjs (the same factory, browser shim)
 *   events (tar-stream's streamx)                → the `events` package
 *   path (@balena/dockerignore's posix normalize) → the `path-browserify` package
 *   the global Buffer (dockerfile-ast, registry login) → src/web/host/buffer.mjs
 * Any other `node:` import reached from the page fails the build.
 */
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'web');
const require = createRequire(import.meta.url);
const src = (p) => join(ROOT, 'src', p);

const hostEdge = {
  name: 'browser-host-edge',
  setup(build) {
    build.onResolve({ filter: /^yargs$/ }, () => ({ path: src('web/host/yargs.mjs') }));
    build.onResolve({ filter: /^yargs-internal\// }, (args) => ({ path: join(dirname(require.resolve('yargs/package.json')), args.path.slice('yargs-internal/'.length)) }));
    // The shim's own imports resolve as yargs's would (its dependencies, at its versions).
    build.onResolve({ filter: /^(cliui|yargs-parser\/browser|string-width)$/ }, (args) =>
      args.importer === src('web/host/yargs.mjs') ? build.resolve(args.path, { resolveDir: dirname(require.resolve('yargs/package.json')), kind: args.kind }) : undefined,
    );
    build.onResolve({ filter: /^events$/ }, () => ({ path: require.resolve('events/events.js') }));
    build.onResolve({ filter: /^path$/ }, () => ({ path: require.resolve('path-browserify') }));
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.importer.startsWith(src('cli') + sep)) return { path: src('web/host/node.ts') };
      return { errors: [{ text: `${args.path} imported by ${args.importer}: only src/cli may reach Node builtins, through the browser host edge` }] };
    });
    build.onResolve({ filter: /\/host\/index\.js$/ }, (args) => {
      if (args.importer.startsWith(src('cli') + sep)) return { path: src('web/host/index.ts') };
      return undefined;
    });
  },
};

/** The chunks an output imports statically, transitively (what loads before its code runs). */
export function staticChunks(metafile, entry) {
  const seen = new Set();
  const visit = (file) => {
    for (const i of metafile.outputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement' || i.external || seen.has(i.path)) continue;
      seen.add(i.path);
      visit(i.path);
    }
  };
  visit(entry);
  return [...seen].sort();
}

export async function buildWeb({ quiet = false } = {}) {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { page: src('web/main.ts'), style: src('web/static/style.css') },
    bundle: true,
    format: 'esm',
    // The terminal (xterm) and the CLI's commands are loaded by import() after the first
    // render (src/web/main.ts): they are chunks of their own.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    outdir: OUT,
    loader: { '.css': 'css' },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [hostEdge],
    // The few uses of Node's Buffer the bundle reaches (src/web/host/buffer.mjs says which).
    inject: [src('web/host/buffer.mjs')],
    logLevel: quiet ? 'error' : 'warning',
  });
  // The chunks page.js imports are fetched beside it, not one round of imports after another.
  const preload = staticChunks(result.metafile, 'dist/web/page.js').map((file) => `<link rel="modulepreload" href="${relative(OUT, join(ROOT, file)).split(sep).join('/')}">`);
  const html = readFileSync(src('web/static/index.html'), 'utf8');
  writeFileSync(join(OUT, 'index.html'), html.replace('<script type="module" src="page.js"></script>', ['<script type="module" src="page.js"></script>', ...preload].join('\n')));
  writeFileSync(join(OUT, 'meta.json'), JSON.stringify(result.metafile));
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildWeb();
  console.log(`dist/web/ written in ${Date.now() - started} ms`);
}
