/** tar: create (-c), extract (-x) and list (-t), with -f, -C, -z, -v and --strip-components. */
import { absolute, dirName, fail, ownNew, reason } from '../io.js';
import type { CommandContext } from '../types.js';
import { TarFormatError, decodeTar, encodeTar, gunzip, gzip, type TarMember } from './ustar.js';

interface TarOptions {
  mode?: 'c' | 'x' | 't';
  file: string;
  dir?: string;
  gzip: boolean;
  verbose: boolean;
  strip: number;
  sameOwner?: boolean;
  operands: string[];
}

/** GNU tar's option forms: `czf F`, `-czf F`, `-c -f F`, `--file=F`, `--directory F`. */
function parseOptions(args: readonly string[]): TarOptions | string {
  const o: TarOptions = { file: '-', gzip: false, verbose: false, strip: 0, operands: [] };
  const queue = [...args];
  if (queue[0] !== undefined && /^[a-zA-Z]+$/.test(queue[0])) queue[0] = `-${queue[0]}`;
  while (queue.length > 0) {
    const arg = queue.shift()!;
    const long = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (long !== null) {
      const [, name, inline] = long;
      const value = (): string => inline ?? queue.shift() ?? '';
      if (name === 'file') o.file = value();
      else if (name === 'directory') o.dir = value();
      else if (name === 'gzip' || name === 'gunzip') o.gzip = true;
      else if (name === 'strip-components') o.strip = Number(value());
      else if (name === 'no-same-owner') o.sameOwner = false;
      else if (name === 'same-owner') o.sameOwner = true;
      else if (name === 'create' || name === 'extract' || name === 'list') o.mode = name === 'create' ? 'c' : name === 'extract' ? 'x' : 't';
      else if (name !== 'verbose' && name !== 'preserve-permissions' && name !== 'numeric-owner') return `unrecognized option '${arg}'`;
      else if (name === 'verbose') o.verbose = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      o.operands.push(arg);
      continue;
    }
    for (const letter of arg.slice(1)) {
      if (letter === 'c' || letter === 'x' || letter === 't') o.mode = letter;
      else if (letter === 'f') o.file = queue.shift() ?? '';
      else if (letter === 'C') o.dir = queue.shift() ?? '';
      else if (letter === 'z') o.gzip = true;
      else if (letter === 'v') o.verbose = true;
      else if (letter === 'o') o.sameOwner = false;
      else if (letter !== 'p') return `invalid option -- '${letter}'`;
    }
  }
  return o;
}

function collect(ctx: CommandContext, base: string, operand: string, out: TarMember[]): void {
  const fs = ctx.fs;
  const path = absolute(base, operand);
  const st = fs.lstatSync(path);
  const name = operand.replace(/^\/+/, '');
  const common = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), linkname: '', data: new Uint8Array() };
  if (st.isDirectory()) {
    out.push({ ...common, name: name.endsWith('/') ? name : `${name}/`, type: '5' });
    for (const child of fs.readdirSync(path).sort()) collect(ctx, base, `${name === '' ? '/' : name.replace(/\/$/, '')}/${child}`, out);
  } else if (st.isSymbolicLink()) out.push({ ...common, name, type: '2', linkname: fs.readlinkSync(path) as string });
  else out.push({ ...common, name, type: '0', data: fs.readFileSync(path) as Uint8Array });
}

async function create(ctx: CommandContext, o: TarOptions): Promise<number> {
  if (o.operands.length === 0) return fail(ctx, 'Cowardly refusing to create an empty archive', 2);
  const base = absolute(ctx.cwd, o.dir ?? '.');
  const members: TarMember[] = [];
  let status = 0;
  for (const operand of o.operands) {
    if (operand.startsWith('/')) ctx.stderr(`tar: Removing leading \`/' from member names\n`);
    try {
      collect(ctx, base, operand, members);
    } catch (err) {
      ctx.stderr(`tar: ${operand}: Cannot stat: ${reason(err)}\n`);
      status = 2;
    }
  }
  if (o.verbose) (o.file === '-' ? ctx.stderr : ctx.stdout)(members.map((m) => `${m.name}\n`).join(''));
  let archive = encodeTar(members);
  if (o.gzip) archive = await gzip(archive);
  if (o.file === '-') ctx.stdout(archive);
  else {
    try {
      const path = absolute(ctx.cwd, o.file);
      const existed = ctx.fs.existsSync(path);
      ctx.fs.writeFileSync(path, archive);
      if (!existed) ownNew(ctx.fs, path, ctx.user);
    } catch (err) {
      return fail(ctx, `${o.file}: Cannot open: ${reason(err)}`, 2);
    }
  }
  if (status !== 0) ctx.stderr('tar: Exiting with failure status due to previous errors\n');
  return status;
}

async function read(ctx: CommandContext, o: TarOptions): Promise<TarMember[] | number> {
  let bytes: Uint8Array;
  try {
    bytes = o.file === '-' ? ctx.stdin : (ctx.fs.readFileSync(absolute(ctx.cwd, o.file)) as Uint8Array);
  } catch (err) {
    fail(ctx, `${o.file}: Cannot open: ${reason(err)}`, 2);
    return fail(ctx, 'Error is not recoverable: exiting now', 2);
  }
  try {
    // GNU tar recognises a gzip stream by its magic number even without -z.
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes);
    return decodeTar(bytes);
  } catch (err) {
    fail(ctx, err instanceof TarFormatError ? err.message : 'Child returned status 1', 2);
    return fail(ctx, 'Error is not recoverable: exiting now', 2);
  }
}

function extractOne(ctx: CommandContext, dir: string, m: TarMember, name: string, sameOwner: boolean): void {
  const fs = ctx.fs;
  const path = absolute(dir, name);
  fs.mkdirSync(dirName(path), { recursive: true });
  const existing = fs.lstatSync(path, { throwIfNoEntry: false });
  if (existing !== undefined && !(existing.isDirectory() && m.type === '5')) fs.rmSync(path, { recursive: true, force: true });
  if (m.type === '5') {
    if (existing?.isDirectory() !== true) fs.mkdirSync(path);
  } else if (m.type === '2') fs.symlinkSync(m.linkname, path);
  else if (m.type === '1') fs.linkSync(absolute(dir, m.linkname), path);
  else fs.writeFileSync(path, m.data);
  if (sameOwner) fs.lchownSync(path, m.uid, m.gid);
  else if (existing === undefined) ownNew(fs, path, ctx.user);
  if (m.type !== '2') {
    fs.chmodSync(path, m.mode);
    fs.utimesSync(path, m.mtime, m.mtime);
  }
}

async function extract(ctx: CommandContext, o: TarOptions): Promise<number> {
  const members = await read(ctx, o);
  if (typeof members === 'number') return members;
  const dir = absolute(ctx.cwd, o.dir ?? '.');
  // Root keeps the archive's owners, as GNU tar's --same-owner default for the superuser.
  const sameOwner = o.sameOwner ?? ctx.user.uid === 0;
  const wanted = o.operands.map((p) => p.replace(/\/+$/, ''));
  let status = 0;
  for (const m of members) {
    const parts = m.name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) {
      ctx.stderr(`tar: ${m.name}: Member name contains '..'\n`);
      status = 2;
      continue;
    }
    if (wanted.length > 0 && !wanted.some((w) => m.name.replace(/^\.\//, '').replace(/\/$/, '') === w.replace(/^\.\//, '') || m.name.startsWith(`${w}/`))) continue;
    if (parts.length <= o.strip) continue;
    const name = parts.slice(o.strip).join('/');
    if (o.verbose) ctx.stdout(`${m.name}\n`);
    try {
      extractOne(ctx, dir, m, name, sameOwner);
    } catch (err) {
      ctx.stderr(`tar: ${name}: Cannot open: ${reason(err)}\n`);
      status = 2;
    }
  }
  return status;
}

export async function tar(ctx: CommandContext): Promise<number> {
  const o = parseOptions(ctx.args);
  if (typeof o === 'string') return fail(ctx, o, 2);
  if (o.mode === undefined) return fail(ctx, "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options", 2);
  if (o.mode === 'c') return create(ctx, o);
  if (o.mode === 'x') return extract(ctx, o);
  const members = await read(ctx, o);
  if (typeof members === 'number') return members;
  ctx.stdout(members.map((m) => `${m.name}\n`).join(''));
  return 0;
}
