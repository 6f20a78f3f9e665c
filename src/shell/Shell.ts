/**
 * The interpreter: runs a parsed script against the overlay, the way `/bin/sh -c` (dash) does.
 * Pipelines run their commands one after another, each stage's whole output becoming the next
 * one's stdin; every stage of a pipeline, `( ... )` and `$( ... )` runs in a copy of the shell.
 */
import { builtinCommands } from './commands/index.js';
import { expandString, expandWords, type ExpansionScope } from './expand.js';
import { BufferSink, FileSink, absolute, errorCode, nullSink, ownNew, reason, toText, type Sink } from './io.js';
import { parseScript } from './parse.js';
import { specialBuiltins } from './special.js';
import { LoopControl, ShellExit, shellError, write, type Fds, type Runtime, type ShellFlags, type ShellState } from './state.js';
import type { AndOr, Command, List, Pipeline, Redirect, SimpleCommand } from './syntax.js';
import { ShellSyntaxError } from './syntax.js';
import type { CommandContext, CommandResult } from './types.js';

export class Shell implements ShellState {
  readonly runtime: Runtime;
  readonly vars: Map<string, string>;
  readonly exported: Set<string>;
  cwd: string;
  positional: string[];
  arg0: string;
  readonly options: ShellFlags;
  status = 0;
  /** Above 0 while running a condition (`if`, `while`, left of `&&`/`||`, `!`): no errexit. */
  #conditions = 0;
  /** The status of the last `$(...)`, which a command of assignments only returns. */
  #substituted = 0;

  constructor(runtime: Runtime, init: { vars: Map<string, string>; exported: Set<string>; cwd: string; arg0?: string; positional?: string[]; options?: Partial<ShellFlags> }) {
    this.runtime = runtime;
    this.vars = init.vars;
    this.exported = init.exported;
    this.cwd = init.cwd;
    this.arg0 = init.arg0 ?? 'sh';
    this.positional = init.positional ?? [];
    this.options = { errexit: false, nounset: false, xtrace: false, pipefail: false, ...init.options };
  }

  /** A subshell: a copy of everything, so its changes stay inside. */
  #fork(): Shell {
    const copy = new Shell(this.runtime, { vars: new Map(this.vars), exported: new Set(this.exported), cwd: this.cwd, arg0: this.arg0, positional: [...this.positional], options: { ...this.options } });
    copy.status = this.status;
    copy.#conditions = this.#conditions;
    return copy;
  }

  setVar(name: string, value: string): void {
    this.vars.set(name, value);
  }

  env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of this.exported) {
      const value = this.vars.get(name);
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  /** Runs a list and returns its status; `exit` and `set -e` end it with theirs. */
  async runToEnd(list: List, fds: Fds): Promise<number> {
    try {
      return await this.list(list, fds);
    } catch (err) {
      if (err instanceof ShellExit) return err.status;
      if (err instanceof LoopControl) return this.status;
      throw err;
    }
  }

  async runChild(script: string, arg0: string, args: string[], flags: Partial<ShellFlags>, fds: Fds): Promise<number> {
    const list = parsedOrReported(script, fds);
    if (list === undefined) return 2;
    const vars = new Map(Object.entries(this.env()));
    const child = new Shell(this.runtime, { vars, exported: new Set(vars.keys()), cwd: this.cwd, arg0, positional: args, options: flags });
    return child.runToEnd(list, fds);
  }

  /**
   * `eval` and `.`: a syntax error ends this shell with status 2 (POSIX XCU 2.8.1, "Consequences
   * of Shell Errors": a non-interactive shell exits), where `sh -c` only fails its child.
   */
  async evaluate(script: string, fds: Fds): Promise<number> {
    const list = parsedOrReported(script, fds);
    if (list === undefined) throw new ShellExit(2);
    return this.list(list, fds);
  }

  find(name: string): 'special' | 'command' | undefined {
    if (Object.hasOwn(specialBuiltins, name)) return 'special';
    return this.#command(name) === undefined ? undefined : 'command';
  }

  #command(name: string): ((ctx: CommandContext) => unknown) | undefined {
    const own = (table: Readonly<Record<string, unknown>>, key: string): ((ctx: CommandContext) => unknown) | undefined =>
      Object.hasOwn(table, key) ? (table[key] as (ctx: CommandContext) => unknown) : undefined;
    // `/bin/echo` and `/usr/bin/env` are the same commands as `echo` and `env`.
    const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
    return own(this.runtime.commands, name) ?? own(builtinCommands, name) ?? (base === name ? undefined : own(this.runtime.commands, base) ?? own(builtinCommands, base));
  }

  async list(list: List, fds: Fds): Promise<number> {
    for (const andOr of list) this.status = await this.#andOr(andOr, fds);
    return this.status;
  }

  async #condition(list: List, fds: Fds): Promise<number> {
    this.#conditions++;
    try {
      return await this.list(list, fds);
    } finally {
      this.#conditions--;
    }
  }

  async #andOr(node: AndOr, fds: Fds): Promise<number> {
    const steps = [{ op: undefined as '&&' | '||' | undefined, pipeline: node.first }, ...node.rest];
    let status = 0;
    let ranLast = false;
    for (let i = 0; i < steps.length; i++) {
      const { op, pipeline } = steps[i]!;
      if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue;
      const last = i === steps.length - 1;
      if (!last) this.#conditions++;
      try {
        status = await this.#pipeline(pipeline, fds);
      } finally {
        if (!last) this.#conditions--;
      }
      this.status = status;
      ranLast = last && !pipeline.negate;
    }
    // set -e: only the last command of an && / || list counts (XCU 2.14 "set", -e).
    if (status !== 0 && ranLast && this.options.errexit && this.#conditions === 0) throw new ShellExit(status);
    return status;
  }

  async #pipeline(node: Pipeline, fds: Fds): Promise<number> {
    if (node.negate) this.#conditions++;
    let status: number;
    try {
      if (node.commands.length === 1) status = await this.#run(node.commands[0]!, fds);
      else {
        let stdin = fds.stdin;
        const statuses: number[] = [];
        for (const [i, command] of node.commands.entries()) {
          const last = i === node.commands.length - 1;
          const out = last ? fds.sinks.get(1)! : new BufferSink();
          const sinks = new Map(fds.sinks).set(1, out);
          statuses.push(await this.#fork().runToEnd([{ first: { negate: false, commands: [command], pos: node.pos }, rest: [] }], { stdin, sinks }));
          if (!last) stdin = (out as BufferSink).bytes();
        }
        status = this.options.pipefail ? ([...statuses].reverse().find((s) => s !== 0) ?? 0) : statuses[statuses.length - 1]!;
      }
    } finally {
      if (node.negate) this.#conditions--;
    }
    return node.negate ? (status === 0 ? 1 : 0) : status;
  }

  async #run(command: Command, fds: Fds): Promise<number> {
    if (command.kind === 'simple') return this.#simple(command, fds);
    const redirected = await this.#redirect(command.redirects, fds);
    if (typeof redirected === 'number') return redirected;
    try {
      return await this.#compound(command, redirected.fds);
    } finally {
      for (const sink of redirected.opened) sink.close();
    }
  }

  async #compound(command: Exclude<Command, SimpleCommand>, fds: Fds): Promise<number> {
    switch (command.kind) {
      case 'subshell':
        return this.#fork().runToEnd(command.body, fds);
      case 'group':
        return this.list(command.body, fds);
      case 'if':
        for (const clause of command.clauses) {
          if ((await this.#condition(clause.condition, fds)) === 0) return this.list(clause.body, fds);
        }
        return command.otherwise === undefined ? 0 : this.list(command.otherwise, fds);
      case 'for': {
        const items = command.items === undefined ? this.positional : await expandWords(command.items, this.#scope(fds));
        let status = 0;
        for (const item of items) {
          this.setVar(command.name, item);
          const step = await this.#loopBody(command.body, fds);
          status = step.status;
          if (step.stop) break;
        }
        return status;
      }
      case 'while':
      case 'until': {
        let status = 0;
        for (;;) {
          const test = await this.#condition(command.condition, fds);
          if ((test === 0) !== (command.kind === 'while')) break;
          const step = await this.#loopBody(command.body, fds);
          status = step.status;
          if (step.stop) break;
        }
        return status;
      }
    }
  }

  async #loopBody(body: List, fds: Fds): Promise<{ status: number; stop: boolean }> {
    try {
      return { status: await this.list(body, fds), stop: false };
    } catch (err) {
      if (!(err instanceof LoopControl)) throw err;
      if (err.levels > 1) {
        err.levels--;
        throw err;
      }
      return { status: 0, stop: err.kind === 'break' };
    }
  }

  #scope(fds: Fds): ExpansionScope {
    return {
      fs: this.runtime.fs,
      cwd: this.cwd,
      positional: this.positional,
      nounset: this.options.nounset,
      lookup: (name) => this.#lookup(name),
      assign: (name, value) => this.setVar(name, value),
      substitute: async (body) => {
        const out = new BufferSink();
        this.#substituted = await this.#fork().runToEnd(body, { stdin: new Uint8Array(), sinks: new Map(fds.sinks).set(1, out) });
        return toText(out.bytes());
      },
      abort: (message) => {
        shellError(fds, message);
        throw new ShellExit(2);
      },
    };
  }

  #lookup(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.status);
      case '#':
        return String(this.positional.length);
      case '@':
      case '*':
        return this.positional.join(' ');
      case '$':
        return '1';
      case '!':
        return '';
      case '0':
        return this.arg0;
      case '-':
        return Object.entries({ e: 'errexit', u: 'nounset', x: 'xtrace' } as const)
          .filter(([, option]) => this.options[option])
          .map(([letter]) => letter)
          .join('');
    }
    if (/^[0-9]+$/.test(name)) return this.positional[Number(name) - 1];
    return this.vars.get(name);
  }

  async #simple(node: SimpleCommand, fds: Fds): Promise<number> {
    const scope = this.#scope(fds);
    this.#substituted = 0;
    const argv = await expandWords(node.words, scope);
    const assignments: [string, string][] = [];
    for (const a of node.assignments) assignments.push([a.name, await expandString(a.value, scope)]);
    if (this.options.xtrace) write(fds, 2, `+ ${[...assignments.map(([n, v]) => `${n}=${v}`), ...argv].join(' ')}\n`);
    if (argv.length === 0) for (const [name, value] of assignments) this.setVar(name, value);
    const redirected = await this.#redirect(node.redirects, fds);
    if (typeof redirected === 'number') return redirected;
    try {
      if (argv.length === 0) return this.#substituted;
      if (Object.hasOwn(specialBuiltins, argv[0]!)) {
        for (const [name, value] of assignments) this.setVar(name, value);
        return await specialBuiltins[argv[0]!]!(this, argv.slice(1), redirected.fds);
      }
      return await this.#external(argv, redirected.fds, Object.fromEntries(assignments));
    } finally {
      for (const sink of redirected.opened) sink.close();
    }
  }

  async invoke(argv: string[], fds: Fds, external = false): Promise<number> {
    if (!external && Object.hasOwn(specialBuiltins, argv[0]!)) return specialBuiltins[argv[0]!]!(this, argv.slice(1), fds);
    return this.#external(argv, fds, {});
  }

  async #external(argv: string[], fds: Fds, assignments: Record<string, string>): Promise<number> {
    const [name, ...args] = argv as [string, ...string[]];
    const command = this.#command(name);
    if (command === undefined) {
      shellError(fds, `${name}: not found`);
      return 127;
    }
    const ctx: CommandContext = {
      fs: this.runtime.fs,
      args,
      env: { ...this.env(), ...assignments },
      cwd: this.cwd,
      user: this.runtime.user,
      name,
      stdin: fds.stdin,
      stdout: (chunk) => write(fds, 1, chunk),
      stderr: (chunk) => write(fds, 2, chunk),
      now: this.runtime.clock,
      hasCommand: (other) => this.find(other) !== undefined,
      exec: (other, env) => this.#external(other, fds, { ...assignments, ...env }),
    };
    let result: number | CommandResult;
    try {
      result = (await command(ctx)) as number | CommandResult;
    } catch (err) {
      if (err instanceof ShellExit || err instanceof LoopControl) throw err;
      write(fds, 2, `${name}: ${reason(err)}\n`);
      return 1;
    }
    const { exitCode, simulatedMs = 0 } = typeof result === 'number' ? { exitCode: result } : result;
    this.runtime.simulatedMs += simulatedMs;
    return exitCode & 255;
  }

  /** Opens the redirections in order; a failure prints dash's message and gives status 2. */
  async #redirect(redirects: readonly Redirect[], fds: Fds): Promise<{ fds: Fds; opened: Sink[] } | number> {
    if (redirects.length === 0) return { fds, opened: [] };
    const next: Fds = { stdin: fds.stdin, sinks: new Map(fds.sinks) };
    const opened: Sink[] = [];
    const scope = this.#scope(fds);
    const fs = this.runtime.fs;
    for (const r of redirects) {
      const target = await expandString(r.target, scope);
      if (r.op === '>&' || r.op === '<&') {
        if (target === '-') next.sinks.delete(r.fd);
        else if (r.fd !== 0) {
          const sink = /^[0-9]+$/.test(target) ? next.sinks.get(Number(target)) : undefined;
          if (sink === undefined) return fail(`${target}: Bad file descriptor`);
          next.sinks.set(r.fd, sink);
        }
        continue;
      }
      const path = absolute(this.cwd, target);
      if (r.op === '<' || r.op === '<>') {
        if (path === '/dev/null') next.stdin = new Uint8Array();
        else {
          try {
            next.stdin = fs.readFileSync(path) as Uint8Array;
          } catch (err) {
            return fail(`cannot open ${target}: ${errorCode(err) === 'ENOENT' ? 'No such file' : reason(err)}`);
          }
        }
        continue;
      }
      const special = { '/dev/null': nullSink, '/dev/stdout': next.sinks.get(1), '/dev/stderr': next.sinks.get(2) }[path];
      if (special !== undefined) {
        next.sinks.set(r.fd, special);
        continue;
      }
      try {
        const existed = fs.existsSync(path);
        const sink = new FileSink(fs, fs.openSync(path, r.op === '>>' ? 'a' : 'w', 0o666));
        if (!existed) ownNew(fs, path, this.runtime.user);
        opened.push(sink);
        next.sinks.set(r.fd, sink);
      } catch (err) {
        return fail(`cannot create ${target}: ${errorCode(err) === 'ENOENT' ? 'Directory nonexistent' : reason(err)}`);
      }
    }
    return { fds: next, opened };

    function fail(message: string): number {
      for (const sink of opened) sink.close();
      shellError(fds, message);
      return 2;
    }
  }
}

/** The script parsed, or `undefined` once its syntax error is written to stderr (the caller exits 2). */
function parsedOrReported(script: string, fds: Fds): List | undefined {
  try {
    return parseScript(script);
  } catch (err) {
    if (!(err instanceof ShellSyntaxError)) throw err;
    shellError(fds, err.message);
    return undefined;
  }
}
