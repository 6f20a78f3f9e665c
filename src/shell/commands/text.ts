/** Commands that print and read text: echo, printf, cat, head, tail, wc. */
import { fail, reason, resolve, toBytes, toText } from '../io.js';
import type { CommandContext, ShellCommand } from '../types.js';

/** A file's bytes (`-` is stdin), or the error the tools print after `NAME: `. */
export function readInput(ctx: CommandContext, operand: string): Uint8Array | { error: string } {
  if (operand === '-') return ctx.stdin;
  try {
    return ctx.fs.readFileSync(resolve(ctx.cwd, operand)) as Uint8Array;
  } catch (err) {
    return { error: `${operand}: ${reason(err)}` };
  }
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** Backslash escapes of echo and printf's `%b` (`\c` stops all output: `stop` is set). */
function unescape(text: string, echoOctal: boolean): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i]!;
    if (n === 'c') return { text: out, stop: true };
    if (ESCAPES[n] !== undefined) out += ESCAPES[n];
    else if (/[0-7]/.test(n)) {
      // echo: \0nnn; printf format: \nnn.
      const digits = /^[0-7]{0,3}/.exec(text.slice(echoOctal && n === '0' ? i + 1 : i))![0];
      out += String.fromCharCode(parseInt(digits || '0', 8) & 255);
      i += digits.length - (echoOctal && n === '0' ? 0 : 1);
    } else if (n === 'x' && /^[0-9a-fA-F]/.test(text.slice(i + 1))) {
      const digits = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1))![0];
      out += String.fromCharCode(parseInt(digits, 16));
      i += digits.length;
    } else if (n === '"' && !echoOctal) out += '"';
    else out += `\\${n}`;
  }
  return { text: out, stop: false };
}

/** dash's echo: only `-n`, and backslash escapes always interpreted. */
function echo(ctx: CommandContext): number {
  const args = [...ctx.args];
  const newline = args[0] !== '-n';
  if (!newline) args.shift();
  const { text, stop } = unescape(args.join(' '), true);
  ctx.stdout(stop || !newline ? text : `${text}\n`);
  return 0;
}

function number(arg: string | undefined): number {
  if (arg === undefined || arg === '') return 0;
  if (/^['"]/.test(arg)) return arg.codePointAt(1) ?? 0;
  const n = /^[-+]?0[xX]/.test(arg) ? parseInt(arg, 16) : /^[-+]?0[0-7]/.test(arg) ? parseInt(arg, 8) : Number(arg);
  return Number.isNaN(n) ? 0 : n;
}

function pad(text: string, flags: string, width: number): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && /^[-+]?[0-9.]/.test(text)) {
    const sign = /^[-+]/.test(text) ? text[0]! : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

function printf(ctx: CommandContext): number {
  const [format, ...args] = ctx.args;
  if (format === undefined) return fail(ctx, 'usage: printf format [arg ...]', 2);
  let out = '';
  let next = 0;
  let status = 0;
  do {
    const start = next;
    const spec = /%([-+ 0#]*)(\*|[0-9]*)(?:\.(\*|[0-9]*))?([diouxXcsbfeEgG%])|\\(?:[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)|[^%\\]+|[%\\]/gs;
    for (const m of format.matchAll(spec)) {
      if (m[4] === undefined) {
        const { text, stop } = m[0].startsWith('\\') ? unescape(m[0], false) : { text: m[0], stop: false };
        out += text;
        if (stop) return (ctx.stdout(out), status);
        continue;
      }
      const [, flags = '', w = '', p, conv] = m;
      if (conv === '%') {
        out += '%';
        continue;
      }
      const width = w === '*' ? number(args[next++]) : Number(w || 0);
      const precision = p === undefined ? undefined : p === '*' ? number(args[next++]) : Number(p || 0);
      const arg = args[next++];
      let text: string;
      switch (conv) {
        case 's':
          text = (arg ?? '').slice(0, precision);
          break;
        case 'b': {
          const r = unescape(arg ?? '', true);
          text = r.text;
          if (r.stop) return (ctx.stdout(out + text), status);
          break;
        }
        case 'c':
          text = (arg ?? '').slice(0, 1);
          break;
        case 'd':
        case 'i':
        case 'u':
          if (arg !== undefined && !/^\s*[-+]?([0-9]+|0[xX][0-9a-fA-F]+|['"].*)$/s.test(arg)) {
            ctx.stderr(`printf: ${arg}: expected numeric value\n`);
            status = 1;
          }
          text = String(Math.trunc(number(arg)));
          if (flags.includes('+') && !text.startsWith('-')) text = `+${text}`;
          break;
        case 'o':
        case 'x':
        case 'X':
          text = Math.trunc(number(arg)).toString(conv === 'o' ? 8 : 16);
          if (conv === 'X') text = text.toUpperCase();
          break;
        default: {
          const n = number(arg);
          text = conv === 'f' ? n.toFixed(precision ?? 6) : conv === 'e' || conv === 'E' ? n.toExponential(precision ?? 6).replace(/e([-+])(\d)$/, 'e$10$2') : String(n);
          if (conv === 'E' || conv === 'G') text = text.toUpperCase();
        }
      }
      out += pad(text, flags, width);
    }
    if (next === start) break;
  } while (next < args.length);
  ctx.stdout(out);
  return status;
}

function cat(ctx: CommandContext): number {
  const operands = ctx.args.filter((a) => a !== '-u');
  let status = 0;
  for (const operand of operands.length === 0 ? ['-'] : operands) {
    const data = readInput(ctx, operand);
    if ('error' in data) status = fail(ctx, data.error);
    else ctx.stdout(data);
  }
  return status;
}

/** head and tail: `-n N` / `-N` lines (tail `-n +N`: from line N), `-c N` bytes. */
function lines(which: 'head' | 'tail'): ShellCommand {
  return (ctx) => {
    let count = 10;
    let bytes = false;
    let fromStart = false;
    const operands: string[] = [];
    for (let i = 0; i < ctx.args.length; i++) {
      const arg = ctx.args[i]!;
      const m = /^-([nc])(.*)$/.exec(arg) ?? (/^-[0-9]+$/.test(arg) ? ['', 'n', arg.slice(1)] : null);
      if (m === null || arg === '-') {
        operands.push(arg);
        continue;
      }
      const value = m[2] === '' ? ctx.args[++i] : m[2];
      if (value === undefined || !/^[-+]?[0-9]+$/.test(value)) return fail(ctx, `invalid number of ${m[1] === 'c' ? 'bytes' : 'lines'}: '${value ?? ''}'`);
      bytes = m[1] === 'c';
      fromStart = which === 'tail' && value.startsWith('+');
      count = Math.abs(Number(value));
    }
    let status = 0;
    const inputs = operands.length === 0 ? ['-'] : operands;
    for (const [index, operand] of inputs.entries()) {
      const data = readInput(ctx, operand);
      if ('error' in data) {
        status = fail(ctx, `cannot open '${operand}' for reading: ${data.error.slice(operand.length + 2)}`);
        continue;
      }
      if (inputs.length > 1) ctx.stdout(`${index > 0 ? '\n' : ''}==> ${operand === '-' ? 'standard input' : operand} <==\n`);
      if (bytes) {
        ctx.stdout(which === 'head' ? data.slice(0, count) : fromStart ? data.slice(Math.max(0, count - 1)) : data.slice(Math.max(0, data.length - count)));
        continue;
      }
      const parts = toText(data).split(/(?<=\n)/);
      ctx.stdout(toBytes((which === 'head' ? parts.slice(0, count) : fromStart ? parts.slice(Math.max(0, count - 1)) : parts.slice(Math.max(0, parts.length - count))).join('')));
    }
    return status;
  };
}

function wc(ctx: CommandContext): number {
  const flags = ctx.args.filter((a) => /^-[lwcm]+$/.test(a)).join('');
  const operands = ctx.args.filter((a) => !/^-[lwcm]+$/.test(a));
  const show = flags === '' ? ['l', 'w', 'c'] : ['l', 'w', 'c'].filter((f) => flags.includes(f) || (f === 'c' && flags.includes('m')));
  const rows: { counts: number[]; name?: string }[] = [];
  let status = 0;
  const total = [0, 0, 0];
  for (const operand of operands.length === 0 ? ['-'] : operands) {
    const data = readInput(ctx, operand);
    if ('error' in data) {
      status = fail(ctx, data.error);
      continue;
    }
    const text = toText(data);
    const all = [(text.match(/\n/g) ?? []).length, text.split(/\s+/).filter((w) => w !== '').length, data.length];
    all.forEach((n, i) => (total[i]! += n));
    rows.push(operands.length === 0 ? { counts: all } : { counts: all, name: operand });
  }
  if (operands.length > 1) rows.push({ counts: total, name: 'total' });
  const pick = (counts: number[]): number[] => show.map((f) => counts['lwc'.indexOf(f)]!);
  const width = show.length === 1 && operands.length <= 1 ? 0 : Math.max(...rows.flatMap((r) => pick(r.counts).map((n) => String(n).length)), operands.length === 0 ? 7 : 1);
  for (const row of rows) ctx.stdout(`${pick(row.counts).map((n) => String(n).padStart(width)).join(' ')}${row.name === undefined ? '' : ` ${row.name}`}\n`);
  return status;
}

export const textCommands: Readonly<Record<string, ShellCommand>> = { echo, printf, cat, head: lines('head'), tail: lines('tail'), wc };
