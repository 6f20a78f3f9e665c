/** test and [ (XCU "test"): file tests, string and integer comparisons, !, -a, -o and parentheses. */
import { resolve } from '../io.js';
import type { CommandContext, ShellCommand } from '../types.js';

const UNARY = new Set(['-e', '-f', '-d', '-s', '-L', '-h', '-r', '-w', '-x', '-z', '-n', '-b', '-c', '-p', '-S', '-g', '-u', '-k']);
const BINARY = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '<', '>', '-nt', '-ot']);

class TestError extends Error {}

function evaluate(ctx: CommandContext, args: string[]): boolean {
  let i = 0;
  const peek = (k = 0): string | undefined => args[i + k];

  const integer = (text: string): number => {
    if (!/^\s*[-+]?[0-9]+\s*$/.test(text)) throw new TestError(`${text}: integer expression expected`);
    return Number(text);
  };

  const unary = (op: string, operand: string): boolean => {
    if (op === '-z') return operand === '';
    if (op === '-n') return operand !== '';
    const path = resolve(ctx.cwd, operand);
    const st = op === '-L' || op === '-h' ? ctx.fs.lstatSync(path, { throwIfNoEntry: false }) : ctx.fs.statSync(path, { throwIfNoEntry: false });
    if (st === undefined || operand === '') return false;
    switch (op) {
      case '-f':
        return st.isFile();
      case '-d':
        return st.isDirectory();
      case '-s':
        return st.size > 0;
      case '-L':
      case '-h':
        return st.isSymbolicLink();
      case '-x':
        // root may execute a file when any execute bit is set (and always search a directory).
        return ctx.user.uid === 0 ? st.isDirectory() || (st.mode & 0o111) !== 0 : (st.mode & (st.uid === ctx.user.uid ? 0o100 : st.gid === ctx.user.gid ? 0o010 : 0o001)) !== 0;
      case '-r':
      case '-w': {
        const bit = op === '-r' ? 4 : 2;
        if (ctx.user.uid === 0) return true;
        return (st.mode & (st.uid === ctx.user.uid ? bit << 6 : st.gid === ctx.user.gid ? bit << 3 : bit)) !== 0;
      }
      case '-b':
        return st.isBlockDevice();
      case '-c':
        return st.isCharacterDevice();
      case '-p':
        return st.isFIFO();
      case '-S':
        return st.isSocket();
      case '-u':
        return (st.mode & 0o4000) !== 0;
      case '-g':
        return (st.mode & 0o2000) !== 0;
      case '-k':
        return (st.mode & 0o1000) !== 0;
      default:
        return true;
    }
  };

  const binary = (left: string, op: string, right: string): boolean => {
    switch (op) {
      case '=':
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '<':
        return left < right;
      case '>':
        return left > right;
      case '-nt':
      case '-ot': {
        const a = ctx.fs.statSync(resolve(ctx.cwd, left), { throwIfNoEntry: false })?.mtimeMs;
        const b = ctx.fs.statSync(resolve(ctx.cwd, right), { throwIfNoEntry: false })?.mtimeMs;
        if (a === undefined || b === undefined) return op === '-nt' ? a !== undefined : b !== undefined;
        return op === '-nt' ? a > b : a < b;
      }
    }
    const [a, b] = [integer(left), integer(right)];
    return { '-eq': a === b, '-ne': a !== b, '-lt': a < b, '-le': a <= b, '-gt': a > b, '-ge': a >= b }[op]!;
  };

  const primary = (): boolean => {
    const t = peek();
    if (t === undefined) throw new TestError('argument expected');
    if (t === '!' && peek(1) !== undefined && !BINARY.has(peek(1)!)) {
      i++;
      return !primary();
    }
    if (t === '(' && peek(1) !== undefined && !(BINARY.has(peek(1)!) && peek(2) !== undefined && peek(3) === undefined)) {
      i++;
      const value = or();
      if (peek() !== ')') throw new TestError('closing paren expected');
      i++;
      return value;
    }
    if (peek(1) !== undefined && BINARY.has(peek(1)!) && peek(2) !== undefined) {
      i += 3;
      return binary(t, args[i - 2]!, args[i - 1]!);
    }
    if (UNARY.has(t) && peek(1) !== undefined) {
      i += 2;
      return unary(t, args[i - 1]!);
    }
    i++;
    return t !== '';
  };
  const and = (): boolean => {
    let value = primary();
    while (peek() === '-a') {
      i++;
      value = primary() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek() === '-o') {
      i++;
      value = and() || value;
    }
    return value;
  };

  if (args.length === 0) return false;
  const value = or();
  if (i < args.length) throw new TestError(`${args[i]}: unexpected operator`);
  return value;
}

function test(ctx: CommandContext): number {
  let args = ctx.args;
  const name = ctx.name ?? 'test';
  if (name === '[' || name.endsWith('/[')) {
    if (args[args.length - 1] !== ']') {
      ctx.stderr(`${name}: missing ]\n`);
      return 2;
    }
    args = args.slice(0, -1);
  }
  try {
    return evaluate(ctx, args) ? 0 : 1;
  } catch (err) {
    if (!(err instanceof TestError)) throw err;
    ctx.stderr(`${name}: ${err.message}\n`);
    return 2;
  }
}

export const testCommands: Readonly<Record<string, ShellCommand>> = { test, '[': test };
