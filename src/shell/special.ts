/**
 * The shell's own built-ins: they change the shell itself (its directory, variables, options)
 * or run scripts, so they cannot be ordinary commands. Messages follow dash's.
 */
import { absolute, reason, toText } from './io.js';
import { FLAG_LETTERS, LoopControl, ShellExit, shellError, write, type Fds, type ShellFlags, type ShellState } from './state.js';

export type SpecialBuiltin = (shell: ShellState, args: string[], fds: Fds) => number | Promise<number>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function setOrExport(shell: ShellState, args: string[], fds: Fds, exporting: boolean): number {
  if (!exporting && args.length === 0) return 0;
  if (args.length === 0 || args[0] === '-p') {
    const names = [...(exporting ? shell.exported : shell.vars.keys())].filter((n) => shell.vars.has(n)).sort();
    for (const n of names) write(fds, 1, `export ${n}=${quote(shell.vars.get(n)!)}\n`);
    return 0;
  }
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!NAME.test(name)) {
      shellError(fds, `${exporting ? 'export' : 'readonly'}: ${name}: bad variable name`);
      return 2;
    }
    if (eq >= 0) shell.setVar(name, arg.slice(eq + 1));
    if (exporting) shell.exported.add(name);
  }
  return 0;
}

function setFlags(shell: ShellState, args: string[], fds: Fds): number {
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      shell.positional = args.slice(i + 1);
      return 0;
    }
    if (!/^[-+]/.test(arg) || arg.length < 2) break;
    const on = arg[0] === '-';
    if (arg.slice(1) === 'o') {
      const name = args[++i];
      const option = name === 'pipefail' ? 'pipefail' : Object.values(FLAG_LETTERS).find((f) => f === name);
      if (option === undefined) {
        shellError(fds, `set: Illegal option -o ${name ?? ''}`);
        return 2;
      }
      shell.options[option] = on;
      continue;
    }
    for (const letter of arg.slice(1)) {
      const option = FLAG_LETTERS[letter];
      if (option === undefined) {
        shellError(fds, `set: Illegal option ${arg[0]}${letter}`);
        return 2;
      }
      shell.options[option] = on;
    }
  }
  if (args.length === 0) {
    for (const n of [...shell.vars.keys()].sort()) write(fds, 1, `${n}=${quote(shell.vars.get(n)!)}\n`);
  } else if (i < args.length) shell.positional = args.slice(i);
  return 0;
}

/** `sh [-eux] [-c SCRIPT [ARG0 [ARG...]] | FILE [ARG...]]`; no script: it comes from stdin. */
async function sh(shell: ShellState, args: string[], fds: Fds): Promise<number> {
  const flags: Partial<ShellFlags> = {};
  let command = false;
  let i = 0;
  for (; i < args.length && /^[-+][a-z]+$/.test(args[i]!); i++) {
    for (const letter of args[i]!.slice(1)) {
      if (letter === 'c') command = true;
      else if (FLAG_LETTERS[letter] !== undefined) flags[FLAG_LETTERS[letter]] = args[i]![0] === '-';
      else {
        shellError(fds, `Illegal option -${letter}`);
        return 2;
      }
    }
  }
  if (command) {
    const script = args[i];
    if (script === undefined) {
      shellError(fds, '-c requires an argument');
      return 2;
    }
    return shell.runChild(script, args[i + 1] ?? 'sh', args.slice(i + 2), flags, fds);
  }
  const file = args[i];
  if (file === undefined) return shell.runChild(toText(fds.stdin), 'sh', [], flags, { ...fds, stdin: new Uint8Array() });
  let script: string;
  try {
    script = shell.runtime.fs.readFileSync(absolute(shell.cwd, file), 'utf8') as string;
  } catch {
    shellError(fds, `0: cannot open ${file}: No such file`);
    return 2;
  }
  return shell.runChild(script, file, args.slice(i + 1), flags, fds);
}

function cd(shell: ShellState, args: string[], fds: Fds): number {
  let target = args[0] ?? shell.vars.get('HOME') ?? '/';
  if (target === '-') {
    target = shell.vars.get('OLDPWD') ?? shell.cwd;
    write(fds, 1, `${target}\n`);
  }
  const dir = absolute(shell.cwd, target);
  let isDir = false;
  try {
    isDir = shell.runtime.fs.statSync(dir).isDirectory();
  } catch {
    // reported below, as dash does for every failure
  }
  if (!isDir) {
    shellError(fds, `cd: can't cd to ${target}`);
    return 2;
  }
  shell.setVar('OLDPWD', shell.cwd);
  shell.exported.add('OLDPWD');
  shell.cwd = dir;
  shell.setVar('PWD', dir);
  return 0;
}

function loop(kind: 'break' | 'continue'): SpecialBuiltin {
  return (_shell, args) => {
    throw new LoopControl(kind, Math.max(1, Number(args[0] ?? 1) || 1));
  };
}

/** `command -v NAME`: how the name would be found; `command NAME ...` skips nothing here. */
async function command(shell: ShellState, args: string[], fds: Fds): Promise<number> {
  if (args[0] === '-v' || args[0] === '-V') {
    let status = 0;
    for (const name of args.slice(1)) {
      const kind = shell.find(name);
      if (kind === undefined) status = 127;
      else write(fds, 1, kind === 'special' || name.includes('/') ? `${name}\n` : `/usr/bin/${name}\n`);
    }
    return status === 0 ? 0 : args[0] === '-v' ? 1 : 127;
  }
  return args.length === 0 ? 0 : shell.invoke(args, fds, true);
}

export const specialBuiltins: Readonly<Record<string, SpecialBuiltin>> = {
  ':': () => 0,
  cd,
  export: (shell, args, fds) => setOrExport(shell, args, fds, true),
  readonly: (shell, args, fds) => setOrExport(shell, args, fds, false),
  unset: (shell, args) => {
    for (const name of args.filter((a) => a !== '-v')) {
      shell.vars.delete(name);
      shell.exported.delete(name);
    }
    return 0;
  },
  set: setFlags,
  exit: (shell, args, fds) => {
    const status = args[0] === undefined ? shell.status : Number(args[0]);
    if (!Number.isInteger(status) || status < 0) {
      shellError(fds, `exit: Illegal number: ${args[0]}`);
      throw new ShellExit(2);
    }
    throw new ShellExit(status & 255);
  },
  shift: (shell, args, fds) => {
    const n = Number(args[0] ?? 1);
    if (!Number.isInteger(n) || n < 0 || n > shell.positional.length) {
      shellError(fds, `shift: can't shift that many`);
      return 2;
    }
    shell.positional = shell.positional.slice(n);
    return 0;
  },
  eval: (shell, args, fds) => shell.evaluate(args.join(' '), fds),
  '.': async (shell, args, fds) => {
    const file = args[0];
    if (file === undefined) return 0;
    try {
      return await shell.evaluate(shell.runtime.fs.readFileSync(absolute(shell.cwd, file), 'utf8') as string, fds);
    } catch (err) {
      if (err instanceof ShellExit || err instanceof LoopControl) throw err;
      shellError(fds, `.: cannot open ${file}: ${reason(err)}`);
      return 2;
    }
  },
  exec: async (shell, args, fds) => {
    if (args.length === 0) return 0;
    throw new ShellExit(await shell.invoke(args, fds));
  },
  command,
  break: loop('break'),
  continue: loop('continue'),
  sh,
  umask: (_shell, args, fds) => {
    if (args.length === 0) write(fds, 1, '0022\n');
    return 0;
  },
  wait: () => 0,
  trap: () => 0,
};
