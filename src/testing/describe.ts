/** Readable one-line forms of ops and outcomes, for reports and replays. */
import { describeData } from './_internals/bytes.js';
import { describeFdOp, isFdOp } from './fdOps.js';
import type { FsOp, Outcome, OutcomeValue, StatSummary } from './ops.js';

/** `rename(/a, /b)`, `writeFile(/a, "x")`, `open(/a, O_WRONLY|O_CREAT, write "x")`. */
export function describeOp(op: FsOp): string {
  const q = (s: string): string => JSON.stringify(s);
  if (isFdOp(op)) return describeFdOp(op);
  switch (op.op) {
    case 'writeFile':
    case 'appendFile':
      return `${op.op}(${op.path}, ${describeData(op.data)})`;
    case 'truncate':
      return `truncate(${op.path}, ${op.len})`;
    case 'chmod':
      return `chmod(${op.path}, 0o${op.mode.toString(8)})`;
    case 'chown':
    case 'lchown':
      return `${op.op}(${op.path}, ${op.uid}, ${op.gid})`;
    case 'utimes':
    case 'lutimes':
      return `${op.op}(${op.path}, ${op.atime}, ${op.mtime})`;
    case 'mkdir': {
      const extra = [op.mode !== undefined ? `0o${op.mode.toString(8)}` : '', op.recursive ? 'recursive' : ''].filter(Boolean);
      return `mkdir(${[op.path, ...extra].join(', ')})`;
    }
    case 'rename':
    case 'link':
      return `${op.op}(${op.from}, ${op.to})`;
    case 'copyFile':
      return `copyFile(${op.from}, ${op.to}${op.excl ? ', COPYFILE_EXCL' : ''})`;
    case 'symlink':
      return `symlink(${q(op.target)}, ${op.path})`;
    case 'access':
      return `access(${op.path}, ${op.mode})`;
    case 'sameInode':
      return `sameInode(${op.path}, ${op.other})`;
    case 'open': {
      const parts = [op.path, op.flags.join('|') || 'O_RDONLY'];
      if (op.mode !== undefined) parts.push(`0o${op.mode.toString(8)}`);
      if (op.write !== undefined) parts.push(`write ${describeData(op.write)}`);
      if (op.truncate !== undefined) parts.push(`ftruncate ${op.truncate}`);
      return `open(${parts.join(', ')})`;
    }
    default:
      return `${op.op}(${op.path})`;
  }
}

/** `ok "x"`, `ok {file 100644 size=3 nlink=1}`, `ENOENT`. */
export function describeOutcome(outcome: Outcome): string {
  if (!outcome.ok) return outcome.code;
  return `ok ${describeValue(outcome.value)}`;
}

function describeValue(value: OutcomeValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if ('stat' in value) {
    const parts = [describeValue(value.stat)];
    if (value.written !== undefined) parts.push(`written=${value.written}`);
    if (value.content !== undefined) parts.push(`content=${value.content}`);
    return `{${parts.join(' ')}}`;
  }
  const s = value as StatSummary;
  return `{${s.type} ${s.mode.toString(8)} ${s.uid}:${s.gid}${s.size !== undefined ? ` size=${s.size}` : ''} nlink=${s.nlink}}`;
}

