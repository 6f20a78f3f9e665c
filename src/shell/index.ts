/**
 * STUB: a stand-in for the shell helper 'shell' writes in parallel (issue 12, "RUN without a
 * container runtime"), with the same public API, so the build can run RUN steps now. It knows
 * `&&`, `echo ARGS [> FILE | >> FILE]`, `true`, `false`, `mkdir -p DIR` and `touch FILE`, with
 * `$VAR` expansion and double quotes; anything else exits 127. The real shell replaces this file
 * whole on merge.
 */
import { DomainError } from '../errors/index.js';
import type { OverlayFs } from '../overlay/index.js';

export interface CommandContext {
  fs: OverlayFs;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  user: { uid: number; gid: number };
  stdin: Uint8Array;
  stdout(c: Uint8Array | string): void;
  stderr(c: Uint8Array | string): void;
}
export interface CommandResult {
  exitCode: number;
  simulatedMs?: number;
}
export type ShellCommand = (ctx: CommandContext) => number | CommandResult | Promise<number | CommandResult>;
export interface ShellOptions {
  fs: OverlayFs;
  env?: Record<string, string>;
  cwd?: string;
  user?: { uid: number; gid: number };
  commands?: Record<string, ShellCommand>;
  stdin?: Uint8Array;
}
export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  simulatedMs: number;
}

export class ShellSyntaxError extends DomainError {
  constructor(message: string) {
    super('InvalidArgumentError', message);
  }
}

const decoder = new TextDecoder();

function words(text: string, env: Record<string, string>): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) {
    const raw = m[2] ?? m[1] ?? m[3]!;
    out.push(m[2] !== undefined ? raw : raw.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => env[a ?? b!] ?? ''));
  }
  return out;
}

function resolvePath(cwd: string, p: string): string {
  return p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`;
}

export async function runShell(script: string, options: ShellOptions): Promise<ShellResult> {
  const env = options.env ?? {};
  const cwd = options.cwd ?? '/';
  let stdout = '';
  let stderr = '';
  let simulatedMs = 0;
  let exitCode = 0;
  for (const part of script.split('&&')) {
    let argv = words(part.trim(), env);
    let redirect: { path: string; append: boolean } | undefined;
    const at = argv.findIndex((w) => w === '>' || w === '>>');
    if (at >= 0) {
      redirect = { path: resolvePath(cwd, argv[at + 1] ?? ''), append: argv[at] === '>>' };
      argv = argv.slice(0, at);
    }
    let out = '';
    const [name, ...args] = argv;
    const custom = name === undefined ? undefined : options.commands?.[name];
    if (custom !== undefined) {
      const r = await custom({
        fs: options.fs, args, env, cwd, user: options.user ?? { uid: 0, gid: 0 }, stdin: options.stdin ?? new Uint8Array(),
        stdout: (c) => (out += typeof c === 'string' ? c : decoder.decode(c)),
        stderr: (c) => (stderr += typeof c === 'string' ? c : decoder.decode(c)),
      });
      exitCode = typeof r === 'number' ? r : r.exitCode;
      if (typeof r !== 'number') simulatedMs += r.simulatedMs ?? 0;
    } else if (name === 'echo') {
      out = `${args.join(' ')}\n`;
      exitCode = 0;
    } else if (name === 'true') exitCode = 0;
    else if (name === 'false') exitCode = 1;
    else if (name === 'mkdir') {
      for (const a of args.filter((a) => a !== '-p')) options.fs.mkdirSync(resolvePath(cwd, a), { recursive: true });
      exitCode = 0;
    } else if (name === 'touch') {
      for (const a of args) options.fs.appendFileSync(resolvePath(cwd, a), '');
      exitCode = 0;
    } else {
      stderr += `sh: ${name ?? ''}: not found\n`;
      exitCode = 127;
    }
    if (redirect !== undefined) {
      if (redirect.append) options.fs.appendFileSync(redirect.path, out);
      else options.fs.writeFileSync(redirect.path, out);
    } else stdout += out;
    if (exitCode !== 0) break;
  }
  return { exitCode, stdout, stderr, simulatedMs };
}
