/**
 * Word expansion (XCU 2.6): tilde, parameters, command substitution, field splitting on
 * whitespace (the default IFS), pathname expansion, then quote removal.
 */
import type { OverlayFs } from '../overlay/index.js';
import { escapePattern, expandPathname, hasMagic, matchPattern, unescapePattern } from './glob.js';
import type { List, Word, WordPart } from './syntax.js';

/** What expansion needs from the running shell. */
export interface ExpansionScope {
  fs: OverlayFs;
  cwd: string;
  /** A variable or special parameter (`?`, `#`, `1`, ...); undefined when unset. */
  lookup(name: string): string | undefined;
  assign(name: string, value: string): void;
  positional: readonly string[];
  nounset: boolean;
  /** Runs `$(...)` in a subshell and returns its stdout. */
  substitute(body: List): Promise<string>;
  /** Prints `sh: message` and leaves the shell with status 2 (throws). */
  abort(message: string): never;
}

interface Field {
  text: string;
  pattern: string;
  /** Some character came from an unquoted expansion or literal with pattern magic. */
  magic: boolean;
}

class Fields {
  readonly out: Field[] = [];
  #current: Field | undefined;
  constructor(readonly split: boolean) {}

  #field(): Field {
    this.#current ??= { text: '', pattern: '', magic: false };
    return this.#current;
  }
  quoted(text: string): void {
    const f = this.#field();
    f.text += text;
    f.pattern += escapePattern(text);
  }
  unquoted(text: string): void {
    const f = this.#field();
    f.text += text;
    f.pattern += text;
    if (hasMagic(text)) f.magic = true;
  }
  /** The result of an unquoted expansion: split on blanks when splitting applies. */
  expanded(text: string): void {
    if (!this.split) return this.unquoted(text);
    for (const piece of text.split(/([ \t\n]+)/)) {
      if (piece === '') continue;
      if (/^[ \t\n]+$/.test(piece)) this.cut();
      else this.unquoted(piece);
    }
  }
  cut(): void {
    if (this.#current !== undefined) this.out.push(this.#current);
    this.#current = undefined;
  }
}

/** Expands command words into argv: split, globbed against the overlay, quotes removed. */
export async function expandWords(words: readonly Word[], scope: ExpansionScope): Promise<string[]> {
  const argv: string[] = [];
  for (const word of words) {
    const fields = new Fields(true);
    await addParts(fields, word.parts, scope);
    fields.cut();
    for (const f of fields.out) {
      const matches = f.magic ? expandPathname(scope.fs, scope.cwd, f.pattern) : [];
      if (matches.length > 0) argv.push(...matches);
      else argv.push(f.text);
    }
  }
  return argv;
}

/** One string, without splitting or globbing: assignments, redirection targets, `for` names. */
export async function expandString(word: Word, scope: ExpansionScope): Promise<string> {
  return (await expandOne(word, scope)).text;
}

async function expandOne(word: Word, scope: ExpansionScope): Promise<Field> {
  const fields = new Fields(false);
  await addParts(fields, word.parts, scope);
  fields.cut();
  return fields.out[0] ?? { text: '', pattern: '', magic: false };
}

async function addParts(fields: Fields, parts: readonly WordPart[], scope: ExpansionScope): Promise<void> {
  for (const part of parts) {
    switch (part.kind) {
      case 'literal':
        if (part.quoted) fields.quoted(part.text);
        else fields.unquoted(part.text);
        break;
      case 'tilde':
        fields.quoted(scope.lookup('HOME') ?? '~');
        break;
      case 'command': {
        // Trailing newlines are removed (XCU 2.6.3).
        const text = (await scope.substitute(part.body)).replace(/\n+$/, '');
        if (part.quoted) fields.quoted(text);
        else fields.expanded(text);
        break;
      }
      case 'parameter': {
        if (part.quoted && part.name === '@' && part.op === undefined) {
          // "$@": one field per positional parameter (XCU 2.5.2).
          scope.positional.forEach((p, i) => {
            if (i > 0) fields.cut();
            fields.quoted(p);
          });
          break;
        }
        const value = await parameter(part, scope);
        if (value === undefined) break;
        if (part.quoted) fields.quoted(value);
        else fields.expanded(value);
        break;
      }
    }
  }
}

async function parameter(part: WordPart & { kind: 'parameter' }, scope: ExpansionScope): Promise<string | undefined> {
  const name = part.name;
  const value = scope.lookup(name);
  const arg = async (): Promise<string> => (part.arg === undefined ? '' : expandString(part.arg, scope));
  const empty = value === undefined || value === '';
  switch (part.op) {
    case undefined:
      break;
    case 'length':
      return String((value ?? '').length);
    case ':-':
      return empty ? arg() : value;
    case '-':
      return value === undefined ? arg() : value;
    case ':=':
    case '=':
      if (part.op === '=' ? value === undefined : empty) {
        const assigned = await arg();
        scope.assign(name, assigned);
        return assigned;
      }
      return value;
    case ':+':
      return empty ? '' : arg();
    case '+':
      return value === undefined ? '' : arg();
    case ':?':
    case '?':
      if (part.op === '?' ? value === undefined : empty) {
        const message = await arg();
        scope.abort(`${name}: ${message === '' ? 'parameter not set' : message}`);
      }
      return value;
    case '%':
    case '%%':
    case '#':
    case '##':
      return trim(value ?? '', part.op, part.arg === undefined ? '' : (await expandOne(part.arg, scope)).pattern);
  }
  if (value === undefined && scope.nounset && !'@*#?-$!0'.includes(name)) scope.abort(`${name}: parameter not set`);
  return value;
}

/** `${x%p}` shortest suffix, `%%` longest suffix, `#` shortest prefix, `##` longest prefix. */
function trim(value: string, op: '%' | '%%' | '#' | '##', pattern: string): string {
  if (!hasMagic(pattern)) {
    const literal = unescapePattern(pattern);
    if (op.startsWith('%')) return value.endsWith(literal) ? value.slice(0, value.length - literal.length) : value;
    return value.startsWith(literal) ? value.slice(literal.length) : value;
  }
  const n = value.length;
  if (op === '#' || op === '##') {
    const order = op === '#' ? range(0, n) : range(n, 0);
    for (const i of order) if (matchPattern(pattern, value.slice(0, i))) return value.slice(i);
  } else {
    const order = op === '%' ? range(n, 0) : range(0, n);
    for (const i of order) if (matchPattern(pattern, value.slice(i))) return value.slice(0, i);
  }
  return value;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  if (from <= to) for (let i = from; i <= to; i++) out.push(i);
  else for (let i = from; i >= to; i--) out.push(i);
  return out;
}
