/**
 * The shell's syntax tree: the subset of the POSIX shell command language (XCU 2.9 "Shell
 * Commands") that Containerfile RUN lines use. Every node keeps the offset in the script where
 * it starts, so errors can point at it.
 */
import { DomainError } from '../errors/index.js';

/** One piece of a word, before expansion. `quoted` parts are never field-split or globbed. */
export type WordPart =
  | { kind: 'literal'; text: string; quoted: boolean }
  | { kind: 'parameter'; name: string; op?: ParameterOp; arg?: Word; quoted: boolean }
  | { kind: 'command'; body: List; quoted: boolean }
  | { kind: 'tilde' };

/** `${x:-w}` and friends, `${#x}` (length) and `${x%pat}`-style trimming (XCU 2.6.2). */
export type ParameterOp = ':-' | '-' | ':=' | '=' | ':+' | '+' | ':?' | '?' | 'length' | '%' | '%%' | '#' | '##';

export interface Word {
  parts: WordPart[];
  /** Offset of the word's first character in the script. */
  pos: number;
}

export type RedirectOp = '>' | '>>' | '<' | '>&' | '<&' | '>|' | '<>';

export interface Redirect {
  fd: number;
  op: RedirectOp;
  target: Word;
  pos: number;
}

export interface Assignment {
  name: string;
  value: Word;
}

export interface SimpleCommand {
  kind: 'simple';
  assignments: Assignment[];
  words: Word[];
  redirects: Redirect[];
  pos: number;
}

export interface Subshell {
  kind: 'subshell' | 'group';
  body: List;
  redirects: Redirect[];
  pos: number;
}

export interface IfCommand {
  kind: 'if';
  clauses: { condition: List; body: List }[];
  otherwise?: List;
  redirects: Redirect[];
  pos: number;
}

export interface ForCommand {
  kind: 'for';
  name: string;
  /** Absent: `for x; do` loops over the positional parameters. */
  items?: Word[];
  body: List;
  redirects: Redirect[];
  pos: number;
}

export interface LoopCommand {
  kind: 'while' | 'until';
  condition: List;
  body: List;
  redirects: Redirect[];
  pos: number;
}

export type Command = SimpleCommand | Subshell | IfCommand | ForCommand | LoopCommand;

export interface Pipeline {
  negate: boolean;
  commands: Command[];
  pos: number;
}

/** `a && b || c`: the first pipeline, then each operator with the pipeline after it. */
export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}

/** Commands run one after another (`;`, `&` and newlines all separate them here). */
export type List = AndOr[];

/**
 * A script that is not valid shell: `data.position` is the 0-based offset, `data.line` and
 * `data.column` are 1-based. The message reads like dash's (`Syntax error: "&&" unexpected`).
 */
export class ShellSyntaxError extends DomainError {
  readonly position: number;
  readonly line: number;
  readonly column: number;

  constructor(reason: string, script: string, position: number) {
    const before = script.slice(0, position);
    const line = before.split('\n').length;
    const column = position - (before.lastIndexOf('\n') + 1) + 1;
    super('ShellSyntaxError', `Syntax error: ${reason} (line ${line}, column ${column})`, { reason, position, line, column });
    this.position = position;
    this.line = line;
    this.column = column;
  }
}
