/**
 * The steps that make a layer (RUN, COPY, ADD, WORKDIR): their definitions, which key them
 * (cache.ts), and their execution on a fresh mount of the stage's layers.
 */
import { basename } from '../path/index.js';
import { runShell, ShellSyntaxError, type ShellCommand, type ShellResult } from '../shell/index.js';
import type { Overlay, OverlayFs } from '../overlay/index.js';
import type { StepDefinition } from './cache.js';
import { join, type SourceTree } from './context.js';
import { copyInto } from './copy.js';
import { BuildError } from './errors.js';
import type { Instruction } from './parse.js';
import { user, variables, workdir, type StageState } from './stage.js';
import { expand } from './variables.js';

/** The PATH a RUN sees when no ENV sets one (moby's default for Linux, oci/defaults.go). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Resolves a path against the stage's WORKDIR, keeping a trailing `/`. */
export function resolvePath(state: StageState, path: string): string {
  if (path.startsWith('/')) return path;
  const base = workdir(state);
  return path === '.' || path === './' ? (base.endsWith('/') ? base : `${base}/`) : `${join(base.replace(/\/+$/, '') || '/', path.replace(/^\.\//, ''))}`;
}

function argsWithValues(state: StageState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of state.args) if (v !== undefined) out[k] = v;
  return out;
}

export function runDefinition(state: StageState, step: Instruction): StepDefinition {
  const command = step.json ?? [...state.shell, step.args];
  return { kind: 'RUN', label: step.args, command, env: Object.fromEntries(state.env), args: argsWithValues(state), workdir: workdir(state), user: user(state) };
}

export function workdirDefinition(state: StageState, step: Instruction): StepDefinition {
  const path = resolvePath(state, expand(step.words.join(' '), variables(state))).replace(/(.)\/+$/, '$1');
  return { kind: 'WORKDIR', label: step.args, workdir: path };
}

export interface CopyPlan {
  def: StepDefinition;
  tree: SourceTree;
  sources: string[];
  dest: string;
  destIsDirectory: boolean;
}

/**
 * Puts each copied file's record into the definition: only a step that misses (its explanation
 * and its cache entry) or a what-if plan needs them, so a cached rebuild does not build one
 * string per context file (bench/sections/build.mjs).
 */
export function withFileRecords(plan: CopyPlan): StepDefinition {
  if (plan.def.files === undefined) {
    const files: Record<string, string> = {};
    for (const source of plan.sources) plan.tree.records(source, source.slice(1) || '.', files);
    plan.def.files = files;
  }
  return plan.def;
}

/** A COPY/ADD's sources matched in `tree`, content-keyed; a missing source fails as Docker's does. */
export function copyDefinition(state: StageState, step: Instruction, tree: SourceTree, fromName: string | undefined): CopyPlan {
  const vars = variables(state);
  const words = (step.json ?? step.words).map((w) => expand(w, vars));
  const patterns = words.slice(0, -1);
  const destWord = words.at(-1)!;
  const sources: string[] = [];
  for (const pattern of patterns) {
    if (/^[a-z]+:\/\//i.test(pattern)) throw new BuildError(`${step.keyword} ${pattern}: remote sources are not supported (local files only)`, step.position);
    const matched = tree.match(pattern);
    if (matched.length === 0) {
      const where = fromName === undefined ? 'not found in build context or excluded by .dockerignore' : `not found in ${tree.describe}`;
      throw new BuildError(`${step.keyword} failed: file ${where}: ${JSON.stringify(pattern)}`, step.position, { source: pattern });
    }
    sources.push(...matched);
  }
  const dest = resolvePath(state, destWord);
  // The Dockerfile reference (COPY, "Destination"): several sources, named or matched by a
  // wildcard, need a destination directory written with a trailing `/` (`.` counts, as
  // resolvePath makes it the working directory); one source, a wildcard's only match included,
  // goes to the destination as named. The message is the classic builder's (moby,
  // builder/dockerfile/copy.go, createCopyInstruction).
  if (sources.length > 1 && !dest.endsWith('/')) throw new BuildError(`When using ${step.keyword} with more than one source file, the destination must be a directory and end with a /`, step.position);
  const destIsDirectory = dest.endsWith('/');
  const flags: Record<string, string> = {};
  for (const name of ['chmod', 'chown', 'from'] as const) if (step.flags[name] !== undefined) flags[name] = expand(step.flags[name]!, vars);
  const def: StepDefinition = {
    kind: step.keyword === 'ADD' ? 'ADD' : 'COPY',
    label: step.args,
    flags,
    dest,
    sources: sources.map((s) => [s, tree.key(s, basename(s) || '/')]),
  };
  return { def, tree, sources, dest, destIsDirectory };
}

/** `user[:group]` as numbers: numeric as given, names from the image's /etc/passwd and /etc/group. */
export function resolveOwner(fs: OverlayFs, spec: string, step: Instruction): { uid: number; gid: number } {
  if (spec === '') return { uid: 0, gid: 0 };
  const [u, g] = spec.split(':', 2) as [string, string | undefined];
  const table = (file: string): string[][] => {
    try {
      return String(fs.readFileSync(file, 'utf8')).split('\n').map((l) => l.split(':'));
    } catch {
      return [];
    }
  };
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) uid = Number(u);
  else {
    const row = table('/etc/passwd').find((r) => r[0] === u);
    if (row === undefined) throw new BuildError(`unknown user ${JSON.stringify(u)} (not in the image's /etc/passwd)`, step.position);
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = table('/etc/group').find((r) => r[0] === g);
      if (row === undefined) throw new BuildError(`unknown group ${JSON.stringify(g)} (not in the image's /etc/group)`, step.position);
      gid = Number(row[2]);
    }
  }
  return { uid, gid: gid ?? uid };
}

export interface Executed {
  simulatedMs: number;
  output: string;
}

export async function executeRun(
  overlay: Overlay,
  state: StageState,
  step: Instruction,
  def: StepDefinition,
  commands: Record<string, ShellCommand> | undefined,
  epoch: number,
): Promise<Executed> {
  const owner = resolveOwner(overlay.fs, user(state), step);
  const env: Record<string, string> = { PATH: DEFAULT_PATH, ...def.args, ...def.env };
  const script = step.json === undefined ? step.args : step.json.map(quote).join(' ');
  // The build's clock, not the wall clock: times commands set (touch) are SOURCE_DATE_EPOCH, as
  // every other time in the image (test/unit/build/run.test.ts, "files RUN creates or touches").
  const clock = (): number => epoch * 1000;
  let result: ShellResult;
  try {
    result = await runShell(script, { fs: overlay.fs, env, cwd: def.workdir ?? '/', user: owner, clock, ...(commands === undefined ? {} : { commands }) });
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    // What `/bin/sh -c` does with a script that does not parse (dash: the error on stderr, exit
    // status 2), so the step fails as a failing RUN does: one line with the Containerfile's
    // position (test/unit/build/run.test.ts, "a RUN whose script does not parse").
    result = { exitCode: 2, stdout: '', stderr: `sh: ${error.message}\n`, simulatedMs: 0 };
  }
  const output = result.stdout + result.stderr;
  if (result.exitCode !== 0) {
    const lines = output.trim().split('\n').filter((l) => l !== '');
    const tail = lines.length === 0 ? '' : `: ${lines.slice(-3).join(' | ')}`;
    throw new BuildError(`RUN ${step.args}: exit code ${result.exitCode}${tail}`, step.position, { exitCode: result.exitCode, output });
  }
  return { simulatedMs: result.simulatedMs, output };
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function executeCopy(overlay: Overlay, state: StageState, step: Instruction, plan: CopyPlan, mtime: number): Promise<void> {
  const owner = resolveOwner(overlay.fs, plan.def.flags?.['chown'] ?? '', step);
  const chmodText = plan.def.flags?.['chmod'];
  if (chmodText !== undefined && !/^[0-7]{3,4}$/.test(chmodText)) throw new BuildError(`--chmod=${chmodText}: an octal mode is expected, like 755`, step.position);
  await copyInto(overlay.fs, plan.tree, plan.sources, plan.dest, plan.destIsDirectory, {
    ...(chmodText === undefined ? {} : { chmod: parseInt(chmodText, 8) }),
    ...owner,
    mtime,
    extractTars: step.keyword === 'ADD',
  });
  void state;
}

export function executeWorkdir(overlay: Overlay, def: StepDefinition, mtime: number): void {
  let at = '';
  for (const part of def.workdir!.split('/').filter((p) => p !== '')) {
    at += `/${part}`;
    let exists = false;
    try {
      exists = overlay.fs.statSync(at).isDirectory();
    } catch {
      exists = false;
    }
    if (exists) continue;
    overlay.fs.mkdirSync(at, { mode: 0o755 });
    overlay.fs.lutimesSync(at, mtime, mtime);
  }
}
