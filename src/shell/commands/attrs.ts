/** Commands that show or change attributes: chmod, chown, chgrp, ls. */
import type { Stats } from '../../overlay/index.js';
import { absolute, fail, parseFlags, reason } from '../io.js';
import type { CommandContext, ShellCommand } from '../types.js';
import { groups, idOf, nameOf, users } from './accounts.js';
import { applyMode } from '../mode.js';

/** The operands and, with -R, everything under them (not through symbolic links). */
function walk(ctx: CommandContext, operand: string, recursive: boolean, visit: (path: string, st: Stats, top: boolean) => void): boolean {
  const top = absolute(ctx.cwd, operand);
  const st = ctx.fs.statSync(top, { throwIfNoEntry: false });
  if (st === undefined) {
    fail(ctx, `cannot access '${operand}': No such file or directory`);
    return false;
  }
  const go = (path: string, s: Stats, isTop: boolean): void => {
    visit(path, s, isTop);
    if (recursive && s.isDirectory()) {
      for (const name of ctx.fs.readdirSync(path)) {
        const child = `${path === '/' ? '' : path}/${name}`;
        go(child, ctx.fs.lstatSync(child), false);
      }
    }
  };
  go(top, st, true);
  return true;
}

function chmod(ctx: CommandContext): number {
  const recursive = ctx.args[0] === '-R';
  const [spec, ...operands] = recursive ? ctx.args.slice(1) : ctx.args;
  if (spec === undefined || operands.length === 0) return fail(ctx, spec === undefined ? 'missing operand' : `missing operand after '${spec}'`);
  if (applyMode(spec, 0, false) === undefined) return fail(ctx, `invalid mode: '${spec}'`);
  let status = 0;
  for (const operand of operands) {
    const ok = walk(ctx, operand, recursive, (path, st) => {
      if (!st.isSymbolicLink()) ctx.fs.chmodSync(path, applyMode(spec, st.mode, st.isDirectory())!);
    });
    if (!ok) status = 1;
  }
  return status;
}

/** chown OWNER[:GROUP] and chgrp GROUP, with names from the image's /etc/passwd and /etc/group. */
function owner(kind: 'chown' | 'chgrp'): ShellCommand {
  return (ctx) => {
    const { flags, operands, bad } = parseFlags(ctx.args, 'Rhv');
    if (bad !== undefined) return fail(ctx, `invalid option -- '${bad}'`);
    const [spec, ...paths] = operands;
    if (spec === undefined || paths.length === 0) return fail(ctx, spec === undefined ? 'missing operand' : `missing operand after '${spec}'`);
    const passwd = users(ctx.fs);
    let uid: number | undefined;
    let gid: number | undefined;
    const [userPart, groupPart] = kind === 'chgrp' ? ['', spec] : spec.split(/[:.]/, 2);
    if (userPart !== undefined && userPart !== '') {
      uid = idOf(passwd, userPart);
      if (uid === undefined) return fail(ctx, `invalid user: '${spec}'`);
      // `user:` means the user's login group.
      if (groupPart === '') gid = passwd.find((a) => a.id === uid)?.gid ?? uid;
    }
    if (groupPart !== undefined && groupPart !== '') {
      gid = idOf(groups(ctx.fs), groupPart);
      if (gid === undefined) return fail(ctx, kind === 'chgrp' ? `invalid group: '${spec}'` : `invalid group: '${spec}'`);
    }
    let status = 0;
    for (const operand of paths) {
      const ok = walk(ctx, operand, flags.has('R'), (path, st, top) => {
        const set = top && !flags.has('h') ? ctx.fs.chownSync : ctx.fs.lchownSync;
        set(path, uid ?? st.uid, gid ?? st.gid);
      });
      if (!ok) status = 1;
    }
    return status;
  };
}

const TYPE_CHAR = (st: Stats): string => (st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFIFO() ? 'p' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : '-');

export function modeString(st: Stats): string {
  const m = st.mode;
  let out = TYPE_CHAR(st);
  for (const [shift, special, letter] of [
    [6, 0o4000, 's'],
    [3, 0o2000, 's'],
    [0, 0o1000, 't'],
  ] as const) {
    const bits = (m >> shift) & 7;
    out += bits & 4 ? 'r' : '-';
    out += bits & 2 ? 'w' : '-';
    const x = (bits & 1) !== 0;
    out += m & special ? (x ? letter : letter.toUpperCase()) : x ? 'x' : '-';
  }
  return out;
}

/** ls: names one per line (as when stdout is not a terminal); -a, -A, -l, -d, -1. */
function ls(ctx: CommandContext): number {
  const { flags, operands, bad } = parseFlags(ctx.args, 'aAld1F');
  if (bad !== undefined) return fail(ctx, `invalid option -- '${bad}'`, 2);
  const passwd = users(ctx.fs);
  const group = groups(ctx.fs);
  const line = (path: string, name: string): string => {
    if (!flags.has('l')) return name;
    const st = ctx.fs.lstatSync(path);
    const date = new Date(st.mtimeMs).toISOString().slice(0, 16).replace('T', ' ');
    const link = st.isSymbolicLink() ? ` -> ${ctx.fs.readlinkSync(path) as string}` : '';
    return `${modeString(st)} ${st.nlink} ${nameOf(passwd, st.uid) ?? st.uid} ${nameOf(group, st.gid) ?? st.gid} ${st.size} ${date} ${name}${link}`;
  };
  let status = 0;
  const files: string[] = [];
  const dirs: [string, string][] = [];
  for (const operand of operands.length === 0 ? ['.'] : operands) {
    const path = absolute(ctx.cwd, operand);
    const st = ctx.fs.statSync(path, { throwIfNoEntry: false }) ?? ctx.fs.lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) status = fail(ctx, `cannot access '${operand}': No such file or directory`, 2);
    else if (st.isDirectory() && !flags.has('d')) dirs.push([operand, path]);
    else files.push(line(path, operand));
  }
  const out = [...files];
  for (const [operand, path] of dirs) {
    let names: string[];
    try {
      names = ctx.fs.readdirSync(path).sort();
    } catch (err) {
      status = fail(ctx, `cannot open directory '${operand}': ${reason(err)}`, 2);
      continue;
    }
    if (flags.has('a')) names.unshift('.', '..');
    else if (!flags.has('A')) names = names.filter((n) => !n.startsWith('.'));
    if (operands.length > 1) out.push(`${out.length > 0 ? '\n' : ''}${operand}:`);
    for (const name of names) out.push(line(name === '.' || name === '..' ? absolute(path, name) : `${path === '/' ? '' : path}/${name}`, name));
  }
  if (out.length > 0) ctx.stdout(out.join('\n') + '\n');
  return status;
}

export const attrCommands: Readonly<Record<string, ShellCommand>> = { chmod, chown: owner('chown'), chgrp: owner('chgrp'), ls };
