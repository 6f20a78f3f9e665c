/** Commands that make, copy, move and remove files: mkdir, rm, cp, mv, ln, touch (GNU coreutils' messages). */
import type { Stats } from '../../overlay/index.js';
import { absolute, baseName, errorCode, fail, ownNew, parseFlags, reason, resolve } from '../io.js';
import type { CommandContext, ShellCommand } from '../types.js';

function usage(ctx: CommandContext, bad: string): number {
  return fail(ctx, `invalid option -- '${bad}'`);
}

function mkdir(ctx: CommandContext): number {
  const { flags, values, operands, bad } = parseFlags(ctx.args, 'pv', 'm');
  if (bad !== undefined) return usage(ctx, bad);
  if (operands.length === 0) return fail(ctx, 'missing operand');
  const mode = values.has('m') ? parseInt(values.get('m')!, 8) : 0o777;
  let status = 0;
  for (const operand of operands) {
    const path = absolute(ctx.cwd, operand);
    const targets = flags.has('p') ? path.split('/').slice(1).map((_, i, all) => '/' + all.slice(0, i + 1).join('/')) : [path];
    for (const dir of targets) {
      if (flags.has('p') && ctx.fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      try {
        ctx.fs.mkdirSync(dir, dir === path ? mode : 0o777);
        ownNew(ctx.fs, dir, ctx.user);
        if (dir === path && values.has('m')) ctx.fs.chmodSync(dir, mode);
      } catch (err) {
        status = fail(ctx, `cannot create directory '${operand}': ${reason(err)}`);
        break;
      }
    }
  }
  return status;
}

function rm(ctx: CommandContext): number {
  const { flags, operands, bad } = parseFlags(ctx.args, 'rRfidv');
  if (bad !== undefined) return usage(ctx, bad);
  const force = flags.has('f');
  const recursive = flags.has('r') || flags.has('R');
  if (operands.length === 0) return force ? 0 : fail(ctx, 'missing operand');
  let status = 0;
  for (const operand of operands) {
    const path = absolute(ctx.cwd, operand);
    if (/(^|\/)\.\.?\/*$/.test(operand)) {
      status = fail(ctx, `refusing to remove '.' or '..' directory: skipping '${operand}'`);
      continue;
    }
    if (path === '/' && recursive) {
      fail(ctx, `it is dangerous to operate recursively on '/'`);
      status = fail(ctx, 'use --no-preserve-root to override this failsafe');
      continue;
    }
    const st = ctx.fs.lstatSync(resolve(ctx.cwd, operand), { throwIfNoEntry: false });
    if (st === undefined) {
      if (!force) status = fail(ctx, `cannot remove '${operand}': No such file or directory`);
      continue;
    }
    try {
      if (st.isDirectory() && !recursive) {
        if (!flags.has('d')) throw Object.assign(new Error(), { code: 'EISDIR' });
        ctx.fs.rmdirSync(path);
      } else ctx.fs.rmSync(resolve(ctx.cwd, operand), { recursive, force: true });
    } catch (err) {
      status = fail(ctx, `cannot remove '${operand}': ${reason(err)}`);
    }
  }
  return status;
}

interface CopyOptions {
  recursive: boolean;
  /** -p / -a: keep mode, owner and times. */
  preserve: boolean;
  /** Follow symbolic links in the source tree (-L; or when not recursive). */
  follow: boolean;
}

function copyTree(ctx: CommandContext, from: string, to: string, shown: string, options: CopyOptions): boolean {
  const fs = ctx.fs;
  const st = options.follow ? fs.statSync(from) : fs.lstatSync(from);
  const existing = fs.lstatSync(to, { throwIfNoEntry: false });
  if (st.isDirectory()) {
    if (!options.recursive) {
      fail(ctx, `-r not specified; omitting directory '${shown}'`);
      return false;
    }
    if (existing !== undefined && !existing.isDirectory()) {
      fail(ctx, `cannot overwrite non-directory '${to}' with directory '${shown}'`);
      return false;
    }
    if (existing === undefined) fs.mkdirSync(to, st.mode & 0o7777);
    let ok = true;
    for (const name of fs.readdirSync(from)) ok = copyTree(ctx, `${from}/${name}`, `${to}/${name}`, `${shown}/${name}`, options) && ok;
    finish(ctx, to, st, existing === undefined, options);
    return ok;
  }
  if (existing?.isDirectory()) {
    fail(ctx, `cannot overwrite directory '${to}' with non-directory`);
    return false;
  }
  if (st.isSymbolicLink()) {
    if (existing !== undefined) fs.unlinkSync(to);
    fs.symlinkSync(fs.readlinkSync(from) as string, to);
  } else {
    fs.writeFileSync(to, fs.readFileSync(from) as Uint8Array, { mode: st.mode & 0o7777 });
  }
  finish(ctx, to, st, existing === undefined, options);
  return true;
}

function finish(ctx: CommandContext, to: string, st: Stats, created: boolean, options: CopyOptions): void {
  if (options.preserve) {
    ctx.fs.lchownSync(to, st.uid, st.gid);
    if (!st.isSymbolicLink()) {
      ctx.fs.chmodSync(to, st.mode & 0o7777);
      ctx.fs.utimesSync(to, st.atime, st.mtime);
    }
  } else if (created) ownNew(ctx.fs, to, ctx.user);
}

/** `cp SRC DST`, `cp SRC... DIR`; and the same for mv, which renames instead when it can. */
function transfer(kind: 'cp' | 'mv'): ShellCommand {
  return (ctx) => {
    const { flags, values, operands, bad } = parseFlags(ctx.args, kind === 'cp' ? 'rRapfPLdvnT' : 'fvinT', 't');
    if (bad !== undefined) return usage(ctx, bad);
    const targetDir = values.get('t');
    const sources = targetDir === undefined ? operands.slice(0, -1) : operands;
    const dest = targetDir ?? operands[operands.length - 1];
    if (dest === undefined || (targetDir === undefined && operands.length < 2)) {
      return fail(ctx, operands.length === 0 ? 'missing file operand' : `missing destination file operand after '${operands[0]}'`);
    }
    const destPath = absolute(ctx.cwd, dest);
    const intoDir = !flags.has('T') && ctx.fs.statSync(destPath, { throwIfNoEntry: false })?.isDirectory() === true;
    if (sources.length > 1 && !intoDir) return fail(ctx, `target '${dest}' is not a directory`);
    const recursive = flags.has('r') || flags.has('R') || flags.has('a');
    const options: CopyOptions = { recursive: kind === 'mv' || recursive, preserve: kind === 'mv' || flags.has('a') || flags.has('p'), follow: kind === 'cp' && (flags.has('L') || !recursive) };
    let status = 0;
    for (const source of sources) {
      const from = absolute(ctx.cwd, source);
      const to = intoDir ? absolute(destPath, baseName(source)) : destPath;
      if (ctx.fs.lstatSync(from, { throwIfNoEntry: false }) === undefined) {
        status = fail(ctx, `cannot stat '${source}': No such file or directory`);
        continue;
      }
      if (to === from || to.startsWith(from + '/')) {
        status = fail(ctx, to === from ? `'${source}' and '${dest}' are the same file` : `cannot ${kind === 'cp' ? 'copy' : 'move'} a directory, '${source}', into itself, '${dest}'`);
        continue;
      }
      try {
        if (kind === 'mv') {
          try {
            ctx.fs.renameSync(from, to);
            continue;
          } catch (err) {
            // A lower directory cannot be renamed without redirect_dir (EXDEV): mv(1) copies
            // and deletes instead (overlayfs.rst, "Renaming directories").
            if (errorCode(err) !== 'EXDEV') throw err;
          }
        }
        if (!copyTree(ctx, from, to, source, options)) status = 1;
        else if (kind === 'mv') ctx.fs.rmSync(from, { recursive: true, force: true });
      } catch (err) {
        status = fail(ctx, kind === 'mv' ? `cannot move '${source}' to '${dest}': ${reason(err)}` : `cannot create '${dest}': ${reason(err)}`);
      }
    }
    return status;
  };
}

function ln(ctx: CommandContext): number {
  const { flags, operands, bad } = parseFlags(ctx.args, 'sfnvT');
  if (bad !== undefined) return usage(ctx, bad);
  if (operands.length === 0) return fail(ctx, 'missing file operand');
  const targets = operands.length === 1 ? operands : operands.slice(0, -1);
  const last = operands.length === 1 ? '.' : operands[operands.length - 1]!;
  const lastPath = absolute(ctx.cwd, last);
  const lastSt = flags.has('n') || flags.has('T') ? ctx.fs.lstatSync(lastPath, { throwIfNoEntry: false }) : ctx.fs.statSync(lastPath, { throwIfNoEntry: false });
  const intoDir = lastSt?.isDirectory() === true;
  if (targets.length > 1 && !intoDir) return fail(ctx, `target '${last}' is not a directory`);
  let status = 0;
  for (const target of targets) {
    const link = intoDir ? absolute(lastPath, baseName(target)) : lastPath;
    const shown = intoDir ? `${last.replace(/\/+$/, '')}/${baseName(target)}` : last;
    try {
      if (flags.has('f') && ctx.fs.lstatSync(link, { throwIfNoEntry: false }) !== undefined) ctx.fs.unlinkSync(link);
      if (flags.has('s')) ctx.fs.symlinkSync(target, link);
      else ctx.fs.linkSync(absolute(ctx.cwd, target), link);
      if (flags.has('s')) ownNew(ctx.fs, link, ctx.user);
    } catch (err) {
      status = fail(ctx, flags.has('s') ? `failed to create symbolic link '${shown}': ${reason(err)}` : `failed to create hard link '${shown}' => '${target}': ${reason(err)}`);
    }
  }
  return status;
}

function touch(ctx: CommandContext): number {
  const { flags, values, operands, bad } = parseFlags(ctx.args, 'cam', 'dr');
  if (bad !== undefined) return usage(ctx, bad);
  if (operands.length === 0) return fail(ctx, 'missing file operand');
  let time = (ctx.now ?? Date.now)();
  if (values.has('d')) {
    time = Date.parse(values.get('d')!.replace(/^@(\d+)$/, (_m, s: string) => new Date(Number(s) * 1000).toISOString()));
    if (Number.isNaN(time)) return fail(ctx, `invalid date format '${values.get('d')}'`);
  }
  if (values.has('r')) {
    const ref = ctx.fs.statSync(absolute(ctx.cwd, values.get('r')!), { throwIfNoEntry: false });
    if (ref === undefined) return fail(ctx, `failed to get attributes of '${values.get('r')}': No such file or directory`);
    time = ref.mtimeMs;
  }
  let status = 0;
  for (const operand of operands) {
    const path = resolve(ctx.cwd, operand);
    try {
      if (!ctx.fs.existsSync(path)) {
        if (flags.has('c')) continue;
        ctx.fs.writeFileSync(path, new Uint8Array(), { flag: 'a' });
        ownNew(ctx.fs, path, ctx.user);
      }
      ctx.fs.utimesSync(path, time / 1000, time / 1000);
    } catch (err) {
      status = fail(ctx, `cannot touch '${operand}': ${reason(err)}`);
    }
  }
  return status;
}

export const fileCommands: Readonly<Record<string, ShellCommand>> = { mkdir, rm, cp: transfer('cp'), mv: transfer('mv'), ln, touch };
