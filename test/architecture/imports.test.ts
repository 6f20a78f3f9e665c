/**
 * The source tree's architecture, checked by reading files (no dependencies): where Node
 * builtins may be imported, which top-level folders of src/ may import which (the table below,
 * drawn in the README's "Layout"), that third-party packages stay in the folder that wraps them,
 * and that neither files nor folders import each other in a cycle. Type-only imports count
 * everywhere: they couple modules just the same, and a type import of a Node builtin still needs
 * @types/node in a browser build.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * The core, top to bottom: each folder may import only folders after it (and `path`, a leaf).
 * `host` is the Node edge beside it: cli → host → store and below; nothing in the core imports
 * host or cli.
 */
const CORE_ORDER = ['cli', 'app', 'build', 'store', 'image', 'overlay', 'cow', 'layer', 'digest', 'errors'] as const;

/** Top-level folder → the folders it may import ("index" is src/index.ts, the public API). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  cli: ['app', 'build', 'shell', 'analysis', 'registry', 'host', 'store', 'image', 'overlay', 'layer', 'digest', 'errors', 'path', 'index'],
  app: ['build', 'analysis', 'registry', 'store', 'image', 'overlay', 'layer', 'digest', 'errors', 'path'],
  build: ['analysis', 'shell', 'store', 'image', 'overlay', 'layer', 'digest', 'errors', 'path'],
  // Layer analysis (dive's metrics, corrected waste, CI rules, view diffs): beside app, over the core.
  analysis: ['store', 'image', 'overlay', 'layer', 'digest', 'errors', 'path'],
  host: ['store', 'image', 'overlay', 'layer', 'digest', 'errors', 'path'],
  // A registry client on the global fetch (Node-free, so also for browsers).
  registry: ['store', 'image', 'layer', 'digest', 'errors', 'path'],
  store: ['image', 'overlay', 'layer', 'digest', 'errors', 'path'],
  image: ['overlay', 'layer', 'digest', 'errors', 'path'],
  overlay: ['cow', 'layer', 'errors', 'path', 'digest'],
  cow: ['layer', 'errors', 'path'],
  layer: ['digest', 'errors', 'path'],
  digest: ['errors'],
  path: ['errors'],
  errors: [],
  testing: ['index', 'overlay', 'layer', 'digest', 'errors', 'path'],
  interop: ['layer', 'overlay', 'errors', 'path'],
  // The RUN shell: commands over an overlay's fs (issue 12); Node-free, so the build runs in a browser.
  shell: ['overlay', 'errors', 'path'],
  // The teaching page (issue 14): the edge above cli, bundled for a browser by
  // scripts/web-build.mjs; its host/ stands in for src/host there (and reuses its Node-free files).
  web: ['cli', 'app', 'analysis', 'host', 'store', 'image', 'overlay', 'layer', 'digest', 'errors', 'path'],
  // src/index.ts: the browser-pure public API, so anything but the Node-side and optional entries.
  index: ['image', 'overlay', 'cow', 'layer', 'digest', 'errors', 'path', 'shell', 'build', 'store'],
};

/** Folders whose code runs only on Node: the only places `node:*` may be imported. */
const NODE_FOLDERS = new Set(['host', 'cli']);

/**
 * Node-free files the page reaches directly, not through their folder's index: its host edge
 * (src/web/host, the browser's stand-in for src/host) reuses files of src/host, whose index
 * pulls in Node; the build-cache lesson takes the demo's Containerfiles from src/cli/demo, whose
 * index would pull the whole CLI into the page's first chunk. Checked below to stay Node-free.
 */
const NODE_FREE_DIRECT_FILES = new Set([
  'web/host/index.ts → host/tarScan.ts',
  'web/host/index.ts → host/progress.ts',
  'web/lessons.ts → cli/demo/buildApp.ts',
]);

/** Third-party packages and the folders that wrap them (cli and host, Node-only, may use any). */
const PACKAGE_HOMES: Readonly<Record<string, readonly string[]>> = {
  memfs: ['interop'],
  'fast-check': ['testing'],
  'tar-stream': ['layer'],
  '@noble/hashes': ['digest'],
  yargs: ['cli'],
  fzstd: ['registry', 'host'],
  'dockerfile-ast': ['build'],
  '@balena/dockerignore': ['build'],
  '@xterm/xterm': ['web'],
  '@xterm/addon-fit': ['web'],
  pako: ['web'],
};

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));

interface Import {
  spec: string;
  line: number;
  /** Erased at run time (verbatimModuleSyntax keeps the marker explicit). */
  typeOnly?: true;
}

interface SourceFile {
  /** Path relative to src/, with `/`. */
  path: string;
  folder: string;
  imports: Import[];
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listTs(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Blanks out comments (keeping line breaks and string contents), so examples in docs are not imports. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Patterns with the specifier in group `spec` and, for static forms, the clause in group `clause`. */
const IMPORT_PATTERNS = [
  /\bimport\s+(?<clause>(?:type\s+)?[\w*{}\s,$]*?)\s*from\s*['"](?<spec>[^'"]+)['"]/g,
  /\bexport\s+(?<clause>(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\}))\s*from\s*['"](?<spec>[^'"]+)['"]/g,
  /\bimport\s*['"](?<spec>[^'"]+)['"]/g,
  /\bimport\s*\(\s*['"](?<spec>[^'"]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"](?<spec>[^'"]+)['"]\s*\)/g,
];

/** `import type {…}`, `export type {…}`, or braces holding only `type X` names: gone at run time. */
function isTypeOnly(clause: string | undefined): boolean {
  if (clause === undefined) return false;
  if (/^type\s/.test(clause)) return true;
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (braces === null) return false;
  const names = braces[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '');
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function importsOf(text: string): Import[] {
  const code = stripComments(text);
  const found: Import[] = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of code.matchAll(pattern)) {
      const entry: Import = { spec: m.groups!['spec']!, line: code.slice(0, m.index).split('\n').length };
      if (isTypeOnly(m.groups!['clause'])) entry.typeOnly = true;
      found.push(entry);
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

function folderOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

function load(): SourceFile[] {
  return listTs(SRC).map((full) => {
    const path = relative(SRC, full).split(sep).join('/');
    return { path, folder: folderOf(path), imports: importsOf(readFileSync(full, 'utf8')) };
  });
}

/** The src/-relative .ts file a relative specifier names (NodeNext: `./x.js` is `./x.ts`). */
function resolveRelative(from: string, spec: string): string {
  const target = resolve(SRC, dirname(from), spec).replace(/\.js$/, '.ts');
  return relative(SRC, target).split(sep).join('/');
}

function isRelative(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../');
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const files = load();
const known = new Set(files.map((f) => f.path));

describe('architecture: imports', () => {
  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.find((f) => f.path === 'index.ts')?.imports.length).toBeGreaterThan(0);
    // The scanner itself: comments are not imports, multi-line and type-only imports are.
    expect(importsOf("// import x from 'node:fs'\n/* import 'node:os' */\nimport type {\n  A,\n  B,\n} from './a.js';\nexport * from './b.js';\nconst u = 'http://x';")).toEqual([
      { spec: './a.js', line: 3, typeOnly: true },
      { spec: './b.js', line: 7 },
    ]);
    expect(importsOf("import { type A, type B } from './c.js';\nimport { type C, D } from './d.js';")).toEqual([
      { spec: './c.js', line: 1, typeOnly: true },
      { spec: './d.js', line: 2 },
    ]);
  });

  it('lets the page reach only Node-free files of src/host and src/cli directly', () => {
    for (const edge of NODE_FREE_DIRECT_FILES) {
      const target = edge.split(' → ')[1]!;
      const file = files.find((f) => f.path === target);
      expect(file, target).toBeDefined();
      expect(file!.imports.filter((i) => BUILTINS.has(i.spec.replace(/^node:/, '')) && i.typeOnly !== true).map((i) => i.spec), target).toEqual([]);
    }
  });

  it('every relative import names a source file', () => {
    const broken: string[] = [];
    for (const f of files) {
      for (const i of f.imports) {
        if (isRelative(i.spec) && !known.has(resolveRelative(f.path, i.spec))) broken.push(`src/${f.path}:${i.line} ${i.spec}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('imports Node builtins only in host/ and cli/', () => {
    const offenders: string[] = [];
    for (const f of files) {
      if (NODE_FOLDERS.has(f.folder)) continue;
      for (const i of f.imports) {
        if (i.spec.startsWith('node:') || BUILTINS.has(packageName(i.spec))) offenders.push(`src/${f.path}:${i.line} imports ${i.spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('imports across top-level folders only along the allowed edges', () => {
    const offenders: string[] = [];
    for (const f of files) {
      const allowed = ALLOWED[f.folder];
      if (allowed === undefined) {
        offenders.push(`src/${f.path}: folder "${f.folder}" is not in the import table`);
        continue;
      }
      for (const i of f.imports) {
        if (!isRelative(i.spec)) continue;
        const target = folderOf(resolveRelative(f.path, i.spec));
        if (target !== f.folder && !allowed.includes(target)) offenders.push(`src/${f.path}:${i.line} (${f.folder}) imports ${target}: ${i.spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("imports another folder only through its index.ts (each concept's public surface)", () => {
    const offenders: string[] = [];
    for (const f of files) {
      for (const i of f.imports) {
        if (!isRelative(i.spec)) continue;
        const target = resolveRelative(f.path, i.spec);
        const folder = folderOf(target);
        if (folder !== f.folder && folder !== 'index' && target !== `${folder}/index.ts` && !NODE_FREE_DIRECT_FILES.has(`${f.path} → ${target}`)) offenders.push(`src/${f.path}:${i.line} imports ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps third-party packages in the folder that wraps them', () => {
    const offenders: string[] = [];
    for (const f of files) {
      if (NODE_FOLDERS.has(f.folder)) continue;
      for (const i of f.imports) {
        if (isRelative(i.spec) || i.spec.startsWith('node:') || BUILTINS.has(packageName(i.spec))) continue;
        const homes = PACKAGE_HOMES[packageName(i.spec)];
        if (homes === undefined || !homes.includes(f.folder)) offenders.push(`src/${f.path}:${i.line} imports ${i.spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('states a table that follows the core order and has no folder cycle', () => {
    const late: string[] = [];
    for (const [i, folder] of CORE_ORDER.entries()) {
      for (const target of ALLOWED[folder]!) {
        const at = CORE_ORDER.indexOf(target as (typeof CORE_ORDER)[number]);
        if (at >= 0 && at <= i) late.push(`${folder} → ${target}`);
      }
    }
    expect(late).toEqual([]);
    for (const folder of Object.keys(ALLOWED)) if (folder !== 'cli' && folder !== 'web') expect(ALLOWED[folder], folder).not.toContain('cli');
    for (const folder of CORE_ORDER.slice(1)) expect(ALLOWED[folder], folder).not.toContain('host');
    const table = Object.entries(ALLOWED).map(([folder, targets]) => ({
      path: `${folder}/index.ts`,
      folder,
      imports: targets.map((t) => ({ spec: `../${t}/index.js`, line: 1 })),
    }));
    expect(cyclesOf(table, false)).toEqual([]);
    expect(Object.keys(ALLOWED).filter((f) => f !== 'index' && !existsSync(join(SRC, f)))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const folders = new Map<string, Set<string>>();
    for (const f of files) {
      const targets = folders.get(f.folder) ?? new Set<string>();
      folders.set(f.folder, targets);
      for (const i of f.imports) if (isRelative(i.spec)) targets.add(folderOf(resolveRelative(f.path, i.spec)));
    }
    const graph: SourceFile[] = [...folders].map(([folder, targets]) => ({
      path: `${folder}/index.ts`,
      folder,
      imports: [...targets].filter((t) => t !== folder).map((t) => ({ spec: `../${t}/index.js`, line: 1 })),
    }));
    expect(cyclesOf(graph, true)).toEqual([]);
  });

  it('has no import cycle between files at run time', () => {
    expect(cyclesOf(files, false)).toEqual([]);
  });

  it('has no type-level import cycle either', () => {
    // Type-only imports vanish at run time, but a cycle through them still ties two modules
    // together.
    expect(cyclesOf(files, true)).toEqual([]);
  });
});

/** Every cycle a depth-first walk meets, as `a → b → a`; with `types`, type-only edges count too. */
function cyclesOf(sources: readonly SourceFile[], types: boolean): string[] {
  const graph = new Map<string, string[]>();
  for (const f of sources) {
    graph.set(
      f.path,
      f.imports.filter((i) => isRelative(i.spec) && (types || i.typeOnly !== true)).map((i) => resolveRelative(f.path, i.spec)),
    );
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

describe('architecture: the checker catches what it should', () => {
  it('sees a forbidden edge, a builtin and a cycle in a made-up tree', () => {
    const fake: SourceFile[] = [
      { path: 'layer/a.ts', folder: 'layer', imports: importsOf("import { x } from '../overlay/index.js';\nimport { readFileSync } from 'fs';") },
      { path: 'overlay/index.ts', folder: 'overlay', imports: importsOf("export { y } from '../layer/a.js';") },
    ];
    const edges = fake.flatMap((f) => f.imports.filter((i) => isRelative(i.spec)).map((i) => `${f.folder}→${folderOf(resolveRelative(f.path, i.spec))}`));
    expect(edges).toEqual(['layer→overlay', 'overlay→layer']);
    expect(ALLOWED['layer']!.includes('overlay')).toBe(false);
    expect(BUILTINS.has(packageName(fake[0]!.imports[1]!.spec))).toBe(true);
    expect(cyclesOf(fake, false)).toEqual(['layer/a.ts → overlay/index.ts → layer/a.ts']);
  });
});
