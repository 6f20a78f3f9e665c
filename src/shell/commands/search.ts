/** grep and sed over the overlay's files, with POSIX basic and extended regular expressions. */
import { fail, parseFlags, reason, resolve, toText } from '../io.js';
import type { CommandContext, ShellCommand } from '../types.js';
import { readInput } from './text.js';

/**
 * A JS regex source for a POSIX regular expression (XBD 9.3 basic, 9.4 extended). In a BRE,
 * `\(`, `\)`, `\{`, `\}`, `\+`, `\?`, `\|` are the operators and the bare characters literal.
 */
export function regexSource(pattern: string, extended: boolean): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern.startsWith('[:', j) ? pattern.indexOf(':]', j) + 2 - j : 1;
      const body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\').replace(/\[:(\w+):\]/g, (_m, cls: string) => CLASSES[cls] ?? '');
      out += `[${body}]`;
      i = j;
    } else if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i]!;
      if (!extended && '(){}+?|'.includes(n)) out += n;
      else if (/[0-9]/.test(n)) out += `\\${n}`;
      else if (n === 'n') out += '\\n';
      else if (n === 't') out += '\\t';
      else if ('wWsSbB<>'.includes(n)) out += n === '<' || n === '>' ? '\\b' : `\\${n}`;
      else out += escape(n);
    } else if (!extended && '(){}+?|'.includes(c)) out += `\\${c}`;
    else if (c === '*' && (out === '' || out.endsWith('^') || out.endsWith('('))) out += '\\*';
    else out += c === '/' ? '\\/' : c;
  }
  return out;
}

const CLASSES: Record<string, string> = { alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f' };

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function lines(text: string): string[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function grep(ctx: CommandContext): number {
  const { flags, values, operands, bad } = parseFlags(ctx.args, 'vicqlnFEHhxwrRs', 'e');
  if (bad !== undefined) return fail(ctx, `invalid option -- '${bad}'`, 2);
  const rest = [...operands];
  const pattern = values.get('e') ?? rest.shift();
  if (pattern === undefined) return fail(ctx, 'usage: grep [OPTION]... PATTERNS [FILE]...', 2);
  let source = pattern
    .split('\n')
    .map((p) => (flags.has('F') ? escape(p) : regexSource(p, flags.has('E'))))
    .join('|');
  if (flags.has('w')) source = `\\b(?:${source})\\b`;
  if (flags.has('x')) source = `^(?:${source})$`;
  let re: RegExp;
  try {
    re = new RegExp(source, flags.has('i') ? 'i' : '');
  } catch {
    return fail(ctx, `Invalid regular expression`, 2);
  }
  const files = rest.length === 0 ? ['-'] : rest;
  const prefix = (flags.has('H') || files.length > 1) && !flags.has('h');
  let matched = false;
  let status = 0;
  for (const file of files) {
    const data = readInput(ctx, file);
    if ('error' in data) {
      if (!flags.has('s')) fail(ctx, data.error);
      status = 2;
      continue;
    }
    let count = 0;
    const name = file === '-' ? '(standard input)' : file;
    for (const [n, line] of lines(toText(data)).entries()) {
      if (re.test(line) === flags.has('v')) continue;
      count++;
      matched = true;
      if (flags.has('q')) return 0;
      if (flags.has('l')) break;
      if (!flags.has('c')) ctx.stdout(`${prefix ? `${name}:` : ''}${flags.has('n') ? `${n + 1}:` : ''}${line}\n`);
    }
    if (flags.has('c')) ctx.stdout(`${prefix ? `${name}:` : ''}${count}\n`);
    else if (flags.has('l') && count > 0) ctx.stdout(`${name}\n`);
  }
  return status === 2 && !(matched && flags.has('q')) ? 2 : matched ? 0 : 1;
}

interface SedCommand {
  /** `/re/` or a line number the command applies to; none: every line. */
  address?: RegExp | number;
  kind: 's' | 'd' | 'p';
  re?: RegExp;
  replacement?: string;
  print?: boolean;
}

class SedError extends Error {}

/** Parses `s/a/b/g`, `/re/d`, `3d`, `/re/s|a|b|` separated by `;` or newlines. */
function parseSed(script: string, extended: boolean): SedCommand[] {
  const out: SedCommand[] = [];
  let i = 0;
  const delimited = (delim: string): string => {
    let text = '';
    for (; i < script.length && script[i] !== delim; i++) {
      if (script[i] === '\\' && script[i + 1] === delim) text += script[++i];
      else if (script[i] === '\\' && i + 1 < script.length) text += script[i] + script[++i]!;
      else text += script[i];
    }
    if (i >= script.length) throw new SedError(`-e expression #1, char ${i}: unterminated \`s' command`);
    i++;
    return text;
  };
  while (i < script.length) {
    while (i < script.length && /[\s;]/.test(script[i]!)) i++;
    if (i >= script.length) break;
    const command: Partial<SedCommand> = {};
    if (script[i] === '/') {
      i++;
      command.address = new RegExp(regexSource(delimited('/'), extended));
    } else if (/[0-9]/.test(script[i]!)) {
      const n = /^[0-9]+/.exec(script.slice(i))![0];
      command.address = Number(n);
      i += n.length;
    } else if (script[i] === '$') throw new SedError(`-e expression #1, char ${i + 1}: the $ address is not supported`);
    const kind = script[i++];
    if (kind === 'd' || kind === 'p') out.push({ ...command, kind });
    else if (kind === 's') {
      const delim = script[i++]!;
      const re = delimited(delim);
      const replacement = delimited(delim);
      const flags = /^[gpiI0-9]*/.exec(script.slice(i))![0];
      i += flags.length;
      const source = regexSource(re, extended);
      out.push({ ...command, kind: 's', re: new RegExp(source, `${flags.includes('g') ? 'g' : ''}${/[iI]/.test(flags) ? 'i' : ''}`), replacement, print: flags.includes('p') });
    } else throw new SedError(`-e expression #1, char ${i}: unknown command: \`${kind ?? ''}'`);
  }
  return out;
}

/** sed's replacement: `&` is the match, `\1`-`\9` the groups, `\n` a newline. */
function substitute(line: string, re: RegExp, replacement: string): string {
  return line.replace(re, (...m: unknown[]) => {
    const groups = m.slice(0, -2).filter((g) => typeof g === 'string' || g === undefined) as (string | undefined)[];
    return replacement.replace(/\\([0-9n&\\])|&/g, (token, escaped: string | undefined) => {
      if (escaped === undefined) return groups[0] ?? '';
      if (escaped === 'n') return '\n';
      if (/[0-9]/.test(escaped)) return groups[Number(escaped)] ?? '';
      return escaped;
    });
  });
}

function runSed(text: string, commands: SedCommand[], quiet: boolean): string {
  let out = '';
  const input = text.split('\n');
  const trailingNewline = input[input.length - 1] === '';
  if (trailingNewline) input.pop();
  input.forEach((original, index) => {
    let line = original;
    let deleted = false;
    for (const c of commands) {
      if (c.address !== undefined && (typeof c.address === 'number' ? c.address !== index + 1 : !c.address.test(line))) continue;
      if (c.kind === 'd') {
        deleted = true;
        break;
      }
      if (c.kind === 'p') out += `${line}\n`;
      else {
        c.re!.lastIndex = 0;
        const changed = c.re!.test(line);
        c.re!.lastIndex = 0;
        line = substitute(line, c.re!, c.replacement!);
        if (changed && c.print) out += `${line}\n`;
      }
    }
    if (!deleted && !quiet) out += index === input.length - 1 && !trailingNewline ? line : `${line}\n`;
  });
  return out;
}

function sed(ctx: CommandContext): number {
  const scripts: string[] = [];
  const files: string[] = [];
  let inPlace = false;
  let extended = false;
  let quiet = false;
  for (let i = 0; i < ctx.args.length; i++) {
    const arg = ctx.args[i]!;
    if (arg === '-e' || arg === '--expression') scripts.push(ctx.args[++i] ?? '');
    else if (arg.startsWith('-i') || arg === '--in-place') inPlace = true;
    else if (arg === '-E' || arg === '-r') extended = true;
    else if (arg === '-n') quiet = true;
    else if (/^-[Ernis]+$/.test(arg)) {
      inPlace ||= arg.includes('i');
      extended ||= /[Er]/.test(arg);
      quiet ||= arg.includes('n');
    } else if (scripts.length === 0 && files.length === 0 && !arg.startsWith('-')) scripts.push(arg);
    else files.push(arg);
  }
  if (scripts.length === 0) return fail(ctx, 'no script specified', 1);
  let commands: SedCommand[];
  try {
    commands = parseSed(scripts.join('\n'), extended);
  } catch (err) {
    return fail(ctx, err instanceof SedError ? err.message : 'invalid expression', 1);
  }
  if (inPlace && files.length === 0) return fail(ctx, 'no input files', 1);
  let status = 0;
  for (const file of files.length === 0 ? ['-'] : files) {
    if (inPlace) {
      const path = resolve(ctx.cwd, file);
      try {
        // sed -i writes a new file and renames it over the old one; in place keeps the inode's owner and mode.
        ctx.fs.writeFileSync(path, runSed(ctx.fs.readFileSync(path, 'utf8') as string, commands, quiet));
      } catch (err) {
        status = fail(ctx, `can't read ${file}: ${reason(err)}`, 2);
      }
      continue;
    }
    const data = readInput(ctx, file);
    if ('error' in data) status = fail(ctx, `can't read ${data.error}`, 2);
    else ctx.stdout(runSed(toText(data), commands, quiet));
  }
  return status;
}

export const searchCommands: Readonly<Record<string, ShellCommand>> = { grep, sed };
