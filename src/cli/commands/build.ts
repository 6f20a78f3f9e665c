import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, whatIf, type BuildContextFs, type BuildOptions } from '../../build/index.js';
import { buildTtyView } from '../render/buildTty.js';
import { formatBytes, shortId } from '../render/format.js';
import { UsageError } from '../errors.js';
import type { Context } from '../context.js';
import type { CommandSpec } from './common.js';

export const buildCommand: CommandSpec = {
  command: 'build <context>',
  describe: 'Build an image from a Containerfile (Dockerfile) and a context directory, with a layer cache that explains every miss',
  builder: (y) =>
    y
      .positional('context', { type: 'string', describe: 'the build context directory' })
      .option('file', { alias: 'f', type: 'string', describe: 'the Containerfile (default CONTEXT/Dockerfile, else CONTEXT/Containerfile)' })
      .option('tag', { alias: 't', type: 'string', describe: 'name:tag of the image (repeatable)' })
      .option('target', { type: 'string', describe: 'the stage to build (default the last)' })
      .option('build-arg', { type: 'string', describe: 'KEY=VALUE for an ARG (repeatable)' })
      .option('no-cache', { type: 'boolean', describe: 'run every step again' })
      .option('squash', { type: 'boolean', describe: "join the build's own layers into one, on top of the base" })
      .option('progress', { type: 'string', choices: ['auto', 'plain', 'tty'], default: 'auto', describe: "progress output: BuildKit's plain log, or its terminal view redrawn in place (auto: tty when stderr is a terminal)" })
      .option('what-if', { type: 'string', describe: 'change nothing: show the steps an edit to this context path would rebuild (repeatable)' }),
  examples: [
    ['overlay build -t app:1 .', 'build ./Dockerfile with . as the context'],
    ['overlay build --what-if src/app.js .', 'which steps an edit to src/app.js would rebuild'],
  ],
  async run(ctx) {
    const dir = resolve(ctx.io.cwd, ctx.str('context'));
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`the build context ${ctx.str('context')} is not a directory`);
    const options: BuildOptions = {
      store: undefined as unknown as BuildOptions['store'],
      context: hostContext(dir),
      tags: strings(ctx, 'tag'),
      buildArgs: buildArgs(ctx),
      noCache: ctx.flag('no-cache'),
      squash: ctx.flag('squash'),
      onProgress: (line) => ctx.io.stderr.write(`${line}\n`),
    };
    const mode = ctx.optStr('progress') ?? 'auto';
    const view = mode === 'tty' || (mode === 'auto' && ctx.io.stderr.isTTY) ? buildTtyView(ctx.io.stderr, () => Date.now()) : undefined;
    if (view !== undefined) options.onProgress = (line) => view.line(line);
    // OVERLAY_STEP_TIMES=0: step times without the wall clock (only simulated time), for logs
    // that must be the same on every run (overlay demo build).
    if (ctx.io.env['OVERLAY_STEP_TIMES'] === '0') options.now = () => 0;
    const epoch = ctx.io.env['SOURCE_DATE_EPOCH'];
    // Reproducible by default: without SOURCE_DATE_EPOCH every time in the image is the epoch.
    options.sourceDateEpoch = epoch !== undefined && epoch !== '' ? Math.floor(ctx.clock() / 1000) : 0;
    const target = ctx.optStr('target');
    if (target !== undefined) options.target = target;
    const file = ctx.optStr('file');
    if (file !== undefined) {
      const path = resolve(ctx.io.cwd, file);
      options.containerfile = readFileSync(path, 'utf8');
      options.file = file;
    }
    const changed = strings(ctx, 'what-if');
    if (changed.length > 0) {
      const result = await ctx.withStore((store) => whatIf({ ...options, store, whatIf: changed, onProgress: () => {} }));
      if (ctx.json) return ctx.printJson(result);
      for (const step of result.steps) ctx.out(`${step.rebuild ? 'REBUILD' : 'cached '}  ${step.position.file}:${step.position.line}  ${step.instruction}  (${step.reason}${step.bytes > 0 ? `; ${formatBytes(step.bytes)}` : ''})`);
      ctx.out(`Would rebuild ${result.rebuilt.steps}/${result.steps.length} steps: ${formatBytes(result.rebuilt.bytes)} of layers, ${(result.rebuilt.durationMs / 1000).toFixed(1)}s of build time`);
      for (const line of result.lint) ctx.out(`lint: ${line}`);
      return;
    }
    let result: Awaited<ReturnType<typeof build>>;
    try {
      result = await ctx.withStore((store) => build({ ...options, store }));
    } finally {
      view?.end();
    }
    if (ctx.json) return ctx.printJson({ id: result.image.id, names: result.image.names, manifest: result.image.manifestDigest, summary: result.summary, steps: result.steps });
    ctx.out(result.image.id);
    if (result.image.names.length === 0) ctx.warn(`build: image ${shortId(result.image.id)} has no name; give one with -t NAME or "overlay tag ${shortId(result.image.id)} NAME"`);
  },
};

function strings(ctx: Context, name: string): string[] {
  const value = ctx.args[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function buildArgs(ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of strings(ctx, 'build-arg')) {
    const at = item.indexOf('=');
    // `--build-arg NAME` takes the value from the environment, as docker build does.
    if (at < 0) {
      const value = ctx.io.env[item];
      if (value !== undefined) out[item] = value;
    } else out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** A host directory as a build context: paths from the context root. */
export function hostContext(root: string): BuildContextFs {
  const at = (path: string): string => join(root, path);
  return {
    lstatSync: (path) => lstatSync(at(path)),
    readdirSync: (path) => readdirSync(at(path)),
    readFileSync: (path) => readFileSync(at(path)),
    readlinkSync: (path) => readlinkSync(at(path)),
  };
}
