/**
 * A recursive-descent parser for the shell subset (XCU 2.10 "Shell Grammar"), lexing as it
 * goes (XCU 2.3 "Token Recognition") so that `$(...)` can parse its body in place.
 */
import type { AndOr, Command, List, ParameterOp, Pipeline, Redirect, RedirectOp, SimpleCommand, Word, WordPart } from './syntax.js';
import { ShellSyntaxError } from './syntax.js';

type Token =
  | { type: 'word'; word: Word; raw: string; plain: boolean; pos: number }
  | { type: 'op'; op: string; pos: number }
  | { type: 'redirect'; fd: number | undefined; op: RedirectOp | '<<' | '<<-'; pos: number }
  | { type: 'eof'; pos: number };

const METACHARS = ' \t\n;&|<>()';
const RESERVED = new Set(['if', 'then', 'elif', 'else', 'fi', 'for', 'do', 'done', 'while', 'until', 'case', 'esac', '{', '}', '!']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPECIAL_PARAMS = '?#@*$!-0';
const PARAM_OPS: readonly ParameterOp[] = [':-', ':=', ':+', ':?', '-', '=', '+', '?', '%%', '%', '##', '#'];

/** Parses a whole script (the text after `sh -c`); throws ShellSyntaxError. */
export function parseScript(script: string): List {
  const parser = new Parser(script, 0);
  const list = parser.list(new Set());
  const end = parser.peek();
  if (end.type !== 'eof') throw parser.unexpected(end);
  return list;
}

class Parser {
  readonly #src: string;
  #pos: number;
  #peeked: Token | undefined;

  constructor(src: string, pos: number) {
    this.#src = src;
    this.#pos = pos;
  }

  get offset(): number {
    return this.#pos;
  }

  peek(): Token {
    this.#peeked ??= this.#lex();
    return this.#peeked;
  }

  next(): Token {
    const t = this.peek();
    this.#peeked = undefined;
    return t;
  }

  unexpected(t: Token, expecting?: string): ShellSyntaxError {
    const what = t.type === 'eof' ? 'end of file' : t.type === 'word' ? `"${t.raw}"` : t.type === 'op' ? (t.op === '\n' ? 'newline' : `"${t.op}"`) : `"${t.op}"`;
    return new ShellSyntaxError(`${what} unexpected${expecting === undefined ? '' : ` (expecting "${expecting}")`}`, this.#src, t.pos);
  }

  list(stop: ReadonlySet<string>): List {
    const out: List = [];
    for (;;) {
      this.#skipNewlines();
      const t = this.peek();
      if (t.type === 'eof' || (t.type === 'op' && stop.has(t.op)) || (t.type === 'word' && t.plain && stop.has(t.raw))) break;
      out.push(this.#andOr());
      const sep = this.peek();
      if (sep.type === 'op' && (sep.op === ';' || sep.op === '&' || sep.op === '\n')) {
        this.next();
        continue;
      }
      break;
    }
    return out;
  }

  /** A list that must hold at least one command, ended by the reserved word `end`. */
  #body(stop: ReadonlySet<string>, end: string): List {
    const list = this.list(stop);
    const t = this.peek();
    if (list.length === 0 || !isWord(t, stop)) throw this.unexpected(t, list.length === 0 ? undefined : end);
    return list;
  }

  #expectWord(text: string): void {
    const t = this.next();
    if (!isWord(t, new Set([text]))) throw this.unexpected(t, text);
  }

  #skipNewlines(): void {
    for (let t = this.peek(); t.type === 'op' && t.op === '\n'; t = this.peek()) this.next();
  }

  #andOr(): AndOr {
    const first = this.#pipeline();
    const rest: AndOr['rest'] = [];
    for (let t = this.peek(); t.type === 'op' && (t.op === '&&' || t.op === '||'); t = this.peek()) {
      this.next();
      this.#skipNewlines();
      rest.push({ op: t.op, pipeline: this.#pipeline() });
    }
    return { first, rest };
  }

  #pipeline(): Pipeline {
    const pos = this.peek().pos;
    let negate = false;
    if (isWord(this.peek(), new Set(['!']))) {
      this.next();
      negate = true;
    }
    const commands = [this.#command()];
    for (let t = this.peek(); t.type === 'op' && t.op === '|'; t = this.peek()) {
      this.next();
      this.#skipNewlines();
      commands.push(this.#command());
    }
    return { negate, commands, pos };
  }

  #command(): Command {
    const t = this.peek();
    const pos = t.pos;
    if (t.type === 'op' && t.op === '(') {
      this.next();
      const body = this.list(new Set([')']));
      const close = this.next();
      if (body.length === 0 || close.type !== 'op' || close.op !== ')') throw this.unexpected(close, body.length === 0 ? undefined : ')');
      return { kind: 'subshell', body, redirects: this.#redirects(), pos };
    }
    if (t.type === 'word' && t.plain && RESERVED.has(t.raw)) {
      this.next();
      switch (t.raw) {
        case '{': {
          const body = this.#body(new Set(['}']), '}');
          this.next();
          return { kind: 'group', body, redirects: this.#redirects(), pos };
        }
        case 'if':
          return this.#if(pos);
        case 'for':
          return this.#for(pos);
        case 'while':
        case 'until': {
          const condition = this.#body(new Set(['do']), 'do');
          this.next();
          const body = this.#body(new Set(['done']), 'done');
          this.next();
          return { kind: t.raw, condition, body, redirects: this.#redirects(), pos };
        }
        case 'case':
          throw new ShellSyntaxError('"case" is not supported', this.#src, pos);
        default:
          throw this.unexpected(t);
      }
    }
    return this.#simple();
  }

  #if(pos: number): Command {
    const clauses: { condition: List; body: List }[] = [];
    let otherwise: List | undefined;
    for (;;) {
      const condition = this.#body(new Set(['then']), 'then');
      this.next();
      const body = this.#body(new Set(['elif', 'else', 'fi']), 'fi');
      clauses.push({ condition, body });
      const t = this.next() as Token & { raw: string };
      if (t.raw === 'elif') continue;
      if (t.raw === 'else') {
        otherwise = this.#body(new Set(['fi']), 'fi');
        this.next();
      }
      break;
    }
    const node: Command = { kind: 'if', clauses, redirects: this.#redirects(), pos };
    if (otherwise !== undefined) node.otherwise = otherwise;
    return node;
  }

  #for(pos: number): Command {
    const nameTok = this.next();
    if (nameTok.type !== 'word' || !NAME.test(nameTok.raw)) throw this.unexpected(nameTok);
    this.#skipNewlines();
    let items: Word[] | undefined;
    if (isWord(this.peek(), new Set(['in']))) {
      this.next();
      items = [];
      for (let t = this.peek(); t.type === 'word'; t = this.peek()) items.push((this.next() as { word: Word }).word);
      const sep = this.next();
      if (sep.type !== 'op' || (sep.op !== ';' && sep.op !== '\n')) throw this.unexpected(sep, 'do');
    } else if (this.peek().type === 'op' && (this.peek() as { op: string }).op === ';') {
      this.next();
    }
    this.#skipNewlines();
    this.#expectWord('do');
    const body = this.#body(new Set(['done']), 'done');
    this.next();
    const node: Command = { kind: 'for', name: nameTok.raw, body, redirects: this.#redirects(), pos };
    if (items !== undefined) node.items = items;
    return node;
  }

  #redirects(): Redirect[] {
    const out: Redirect[] = [];
    while (this.peek().type === 'redirect') out.push(this.#redirect());
    return out;
  }

  #redirect(): Redirect {
    const t = this.next() as Extract<Token, { type: 'redirect' }>;
    if (t.op === '<<' || t.op === '<<-') throw new ShellSyntaxError('here-documents are not supported', this.#src, t.pos);
    const target = this.next();
    if (target.type !== 'word') throw this.unexpected(target);
    const fd = t.fd ?? (t.op.startsWith('<') ? 0 : 1);
    return { fd, op: t.op, target: target.word, pos: t.pos };
  }

  #simple(): SimpleCommand {
    const node: SimpleCommand = { kind: 'simple', assignments: [], words: [], redirects: [], pos: this.peek().pos };
    for (let t = this.peek(); ; t = this.peek()) {
      if (t.type === 'redirect') node.redirects.push(this.#redirect());
      else if (t.type === 'word') {
        this.next();
        const first = t.word.parts[0];
        const eq = first?.kind === 'literal' && !first.quoted ? first.text.indexOf('=') : -1;
        if (node.words.length === 0 && eq > 0 && NAME.test((first as { text: string }).text.slice(0, eq))) {
          const text = (first as { text: string }).text;
          const rest: WordPart[] = eq + 1 < text.length ? [{ kind: 'literal', text: text.slice(eq + 1), quoted: false }] : [];
          node.assignments.push({ name: text.slice(0, eq), value: { parts: [...rest, ...t.word.parts.slice(1)], pos: t.pos + eq + 1 } });
        } else node.words.push(t.word);
      } else break;
    }
    if (node.words.length === 0 && node.assignments.length === 0 && node.redirects.length === 0) throw this.unexpected(this.peek());
    return node;
  }

  // ---- lexing ----

  #lex(): Token {
    const src = this.#src;
    for (;;) {
      const c = src[this.#pos];
      if (c === ' ' || c === '\t') this.#pos++;
      else if (c === '\\' && src[this.#pos + 1] === '\n') this.#pos += 2;
      else if (c === '#') {
        const nl = src.indexOf('\n', this.#pos);
        this.#pos = nl < 0 ? src.length : nl;
      } else break;
    }
    const pos = this.#pos;
    if (pos >= src.length) return { type: 'eof', pos };
    const rest = src.slice(pos, pos + 3);
    for (const op of ['&&', '||', ';;', '\n', ';', '&', '|', '(', ')']) {
      if (rest.startsWith(op)) {
        this.#pos += op.length;
        return { type: 'op', op, pos };
      }
    }
    const io = /^(\d+)?(<<-|<<|<>|<&|<|>>|>&|>\||>)/.exec(src.slice(pos, pos + 12));
    if (io !== null) {
      this.#pos += io[0].length;
      return { type: 'redirect', fd: io[1] === undefined ? undefined : Number(io[1]), op: io[2] as RedirectOp, pos };
    }
    const parts: WordPart[] = [];
    this.#scanParts(parts, (ch) => METACHARS.includes(ch), false);
    const raw = src.slice(pos, this.#pos);
    return { type: 'word', word: { parts, pos }, raw, plain: parts.every((p) => p.kind === 'literal' && !p.quoted), pos };
  }

  /** Word parts up to (not including) the first unquoted character `stop` accepts. */
  #scanParts(parts: WordPart[], stop: (ch: string) => boolean, inDouble: boolean): void {
    const src = this.#src;
    const start = this.#pos;
    while (this.#pos < src.length) {
      const at = this.#pos;
      const c = src[at]!;
      if (stop(c)) return;
      if (c === '\\') {
        const n = src[at + 1];
        if (n === '\n') this.#pos += 2;
        else if (n === undefined) this.#take(parts, '\\', inDouble, 1);
        else this.#take(parts, n, true, 2);
      } else if (c === "'" && !inDouble) {
        const end = src.indexOf("'", at + 1);
        if (end < 0) throw new ShellSyntaxError('Unterminated quoted string', src, at);
        this.#take(parts, src.slice(at + 1, end), true, end + 1 - at);
      } else if (c === '"') this.#doubleQuoted(parts);
      else if (c === '$') this.#dollar(parts, inDouble);
      else if (c === '`') this.#backquote(parts, inDouble);
      else if (c === '~' && at === start && !inDouble && (at + 1 >= src.length || src[at + 1] === '/' || stop(src[at + 1]!))) {
        parts.push({ kind: 'tilde' });
        this.#pos++;
      } else this.#take(parts, c, inDouble, 1);
    }
  }

  /** Appends literal text (merged with a previous literal of the same quoting) and moves on. */
  #take(parts: WordPart[], text: string, quoted: boolean, length: number): void {
    const last = parts[parts.length - 1];
    if (last?.kind === 'literal' && last.quoted === quoted) last.text += text;
    else parts.push({ kind: 'literal', text, quoted });
    this.#pos += length;
  }

  #doubleQuoted(parts: WordPart[]): void {
    const src = this.#src;
    const open = this.#pos++;
    // An empty "" still makes a (quoted, empty) word.
    this.#take(parts, '', true, 0);
    while (this.#pos < src.length && src[this.#pos] !== '"') {
      const c = src[this.#pos]!;
      if (c === '\\') {
        const n = src[this.#pos + 1];
        if (n === '\n') this.#pos += 2;
        else if (n !== undefined && '$`"\\'.includes(n)) this.#take(parts, n, true, 2);
        else this.#take(parts, '\\', true, 1);
      } else if (c === '$') this.#dollar(parts, true);
      else if (c === '`') this.#backquote(parts, true);
      else this.#take(parts, c, true, 1);
    }
    if (this.#pos >= src.length) throw new ShellSyntaxError('Unterminated quoted string', src, open);
    this.#pos++;
  }

  #dollar(parts: WordPart[], quoted: boolean): void {
    const src = this.#src;
    const at = this.#pos;
    const n = src[at + 1] ?? '';
    if (n === '{') return this.#braced(parts, quoted);
    if (n === '(') {
      if (src[at + 2] === '(') throw new ShellSyntaxError('arithmetic expansion $((...)) is not supported', src, at);
      const sub = new Parser(src, at + 2);
      const body = sub.list(new Set([')']));
      const close = sub.next();
      if (close.type !== 'op' || close.op !== ')') throw sub.unexpected(close, ')');
      this.#pos = sub.offset;
      parts.push({ kind: 'command', body, quoted });
      return;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(at + 1, at + 257))?.[0] ?? (/[0-9]/.test(n) || (n !== '' && SPECIAL_PARAMS.includes(n)) ? n : '');
    if (name === '') {
      this.#take(parts, '$', quoted, 1);
      return;
    }
    this.#pos = at + 1 + name.length;
    parts.push({ kind: 'parameter', name, quoted });
  }

  #braced(parts: WordPart[], quoted: boolean): void {
    const src = this.#src;
    const at = this.#pos;
    this.#pos += 2;
    let length = false;
    if (src[this.#pos] === '#' && src[this.#pos + 1] !== '}') {
      length = true;
      this.#pos++;
    }
    const tail = src.slice(this.#pos, this.#pos + 256);
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(tail)?.[0] ?? /^[0-9]+/.exec(tail)?.[0] ?? (tail[0] !== undefined && SPECIAL_PARAMS.includes(tail[0]) ? tail[0] : '');
    if (name === '') throw new ShellSyntaxError(this.#pos >= src.length ? "Missing '}'" : 'Bad substitution', src, at);
    this.#pos += name.length;
    const part: WordPart & { kind: 'parameter' } = { kind: 'parameter', name, quoted };
    if (length) part.op = 'length';
    else {
      const op = PARAM_OPS.find((o) => src.startsWith(o, this.#pos));
      if (op !== undefined) {
        this.#pos += op.length;
        const arg: WordPart[] = [];
        const argPos = this.#pos;
        this.#scanParts(arg, (ch) => ch === '}', quoted);
        part.op = op;
        part.arg = { parts: arg, pos: argPos };
      }
    }
    if (src[this.#pos] !== '}') throw new ShellSyntaxError(this.#pos >= src.length ? "Missing '}'" : 'Bad substitution', src, at);
    this.#pos++;
    parts.push(part);
  }

  #backquote(parts: WordPart[], quoted: boolean): void {
    const src = this.#src;
    const open = this.#pos;
    let inner = '';
    let i = open + 1;
    for (; i < src.length && src[i] !== '`'; i++) {
      if (src[i] === '\\' && '$`\\'.includes(src[i + 1] ?? '')) i++;
      inner += src[i];
    }
    if (i >= src.length) throw new ShellSyntaxError('Unterminated quoted string', src, open);
    this.#pos = i + 1;
    parts.push({ kind: 'command', body: parseScript(inner), quoted });
  }
}

function isWord(t: Token, texts: ReadonlySet<string>): boolean {
  return t.type === 'word' && t.plain && texts.has(t.raw);
}
