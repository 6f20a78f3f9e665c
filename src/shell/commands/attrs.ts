/** Commands that show or change attributes: chmod, chown, chgrp, ls. */
import type { Stats } from '../../overlay/index.js';
import { absolute, fail, parseFlags, reason } from '../io.js';
import type { CommandContext, ShellCommand } from '../types.js';
import { groups, idOf, nameOf, users } from './accounts.js';

/**
 * A new mode from an octal or symbolic mode (`u+x,go-w`, `a=r`, `+X`), as chmod(1) computes
 * it; undefined when the text is not a mode.
 */
export function applyMode(spec: string, mode: number, isDir: boolean): number | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let result = mode & 0o7777;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=][rwxXst]*|[-+=][ugo])+)$/.exec(clause);
    if (m === null) return undefined;
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    // Without u/g/o, umask (0022) applies to + and = (chmod(1) "SYMBOLIC MODES").
    const mask = m[1] === '' ? ~0o022 : ~0;
    for (const action of m[2]!.match(/[-+=][^-+=]*/g)!) {
      const op = action[0]!;
      let bits = 0;
      for (const p of action.slice(1)) {
        if (p === 'u' || p === 'g' || p === 'o') {
          const shift = { u: 6, g: 3, o: 0 }[p];
          const perm = (result >> shift) & 7;
          for (const w of who) bits |= perm << { u: 6, g: 3, o: 0 }[w as 'u' | 'g' | 'o'];
          continue;
        }
        for (const w of who) {
          const shift = { u: 6, g: 3, o: 0 }[w as 'u' | 'g' | 'o'];
          if (p === 'r') bits |= 4 << shift;
          else if (p === 'w') bits |= 2 << shift;
          else if (p === 'x' || (p === 'X' && (isDir || (result & 0o111) !== 0))) bits |= 1 << shift;
          else if (p === 's' && w !== 'o') bits |= w === 'u' ? 0o4000 : 0o2000;
          else if (p === 't' && w === 'o') bits |= 0o1000;
        }
      }
      if (op !== '-') bits &= mask;
      if (op === '+') result |= bits;
      else if (op === '-') result &= ~bits;
      else {
        let clear = 0;
        for (const w of who) clear |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007;
        result = (result & ~clear) | bits;
      }
    }
  }
  return result;
}

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
