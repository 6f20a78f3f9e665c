/** Commands that report on the environment: pwd, env, id, whoami, which, basename, dirname, sleep, true, false. */
import { baseName, dirName, fail, resolve } from '../io.js';
import type { CommandContext, CommandResult, ShellCommand } from '../types.js';
import { groups, nameOf, users } from './accounts.js';

async function env(ctx: CommandContext): Promise<number> {
  const extra: Record<string, string> = {};
  let i = 0;
  let clear = false;
  for (; i < ctx.args.length; i++) {
    const arg = ctx.args[i]!;
    if (arg === '-i' || arg === '-') clear = true;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) extra[arg.slice(0, arg.indexOf('='))] = arg.slice(arg.indexOf('=') + 1);
    else break;
  }
  const rest = ctx.args.slice(i);
  if (rest.length > 0 && ctx.exec !== undefined) {
    // `env -i` cannot take variables away from the command here; it only adds.
    return ctx.exec(rest, extra);
  }
  const all = { ...(clear ? {} : ctx.env), ...extra };
  for (const [name, value] of Object.entries(all)) ctx.stdout(`${name}=${value}\n`);
  return 0;
}

function id(ctx: CommandContext): number {
  const { uid, gid } = ctx.user;
  const user = nameOf(users(ctx.fs), uid);
  const group = nameOf(groups(ctx.fs), gid);
  const show = (n: number, name: string | undefined): string => (name === undefined ? String(n) : `${n}(${name})`);
  if (ctx.args.includes('-u')) ctx.stdout(`${ctx.args.includes('-n') ? (user ?? uid) : uid}\n`);
  else if (ctx.args.includes('-g')) ctx.stdout(`${ctx.args.includes('-n') ? (group ?? gid) : gid}\n`);
  else ctx.stdout(`uid=${show(uid, user)} gid=${show(gid, group)} groups=${show(gid, group)}\n`);
  return 0;
}

function whoami(ctx: CommandContext): number {
  const name = nameOf(users(ctx.fs), ctx.user.uid);
  if (name === undefined) return fail(ctx, `cannot find name for user ID ${ctx.user.uid}`);
  ctx.stdout(`${name}\n`);
  return 0;
}

function which(ctx: CommandContext): number {
  let status = 0;
  for (const name of ctx.args.filter((a) => a !== '-a')) {
    const dirs = (ctx.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(':');
    const onDisk = name.includes('/') ? [resolve(ctx.cwd, name)] : dirs.map((d) => `${d}/${name}`);
    const found = onDisk.find((p) => ctx.fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true);
    if (found !== undefined) ctx.stdout(`${found}\n`);
    else if (ctx.hasCommand?.(name) === true) ctx.stdout(`/usr/bin/${name}\n`);
    else status = 1;
  }
  return status;
}

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Sleeps in simulated time only: the shell reports the seconds, nothing waits. */
function sleep(ctx: CommandContext): number | CommandResult {
  if (ctx.args.length === 0) return fail(ctx, 'missing operand');
  let seconds = 0;
  for (const arg of ctx.args) {
    const m = /^([0-9]*\.?[0-9]+)([smhd]?)$/.exec(arg);
    if (m === null) return fail(ctx, `invalid time interval '${arg}'`);
    seconds += Number(m[1]) * UNITS[m[2]!]!;
  }
  return { exitCode: 0, simulatedMs: Math.round(seconds * 1000) };
}

export const infoCommands: Readonly<Record<string, ShellCommand>> = {
  true: () => 0,
  false: () => 1,
  pwd: (ctx) => {
    ctx.stdout(`${ctx.cwd}\n`);
    return 0;
  },
  env,
  printenv: (ctx) => {
    const names = ctx.args.length > 0 ? ctx.args : Object.keys(ctx.env);
    const found = names.filter((n) => ctx.env[n] !== undefined);
    for (const n of found) ctx.stdout(ctx.args.length > 0 ? `${ctx.env[n]}\n` : `${n}=${ctx.env[n]}\n`);
    return found.length === names.length ? 0 : 1;
  },
  id,
  whoami,
  which,
  basename: (ctx) => {
    const [path, suffix] = ctx.args;
    if (path === undefined) return fail(ctx, 'missing operand');
    let name = baseName(path);
    if (suffix !== undefined && name !== suffix && name.endsWith(suffix)) name = name.slice(0, -suffix.length);
    ctx.stdout(`${name}\n`);
    return 0;
  },
  dirname: (ctx) => {
    if (ctx.args.length === 0) return fail(ctx, 'missing operand');
    for (const path of ctx.args) ctx.stdout(`${dirName(path)}\n`);
    return 0;
  },
  sleep,
};
