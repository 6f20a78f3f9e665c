/**
 * The Containerfile language subset (README, "The build: language subset"), read with
 * `dockerfile-ast`, the parser of the Dockerfile language server: it keeps every instruction's
 * position, handles comments, line continuations and the `# escape=` directive, and splits
 * flags, JSON arrays and `KEY=VALUE` properties. It never fails (an editor wants a tree for any
 * text), so the checks that make a build refuse a file are here.
 */
import { DockerfileParser, type Instruction as AstInstruction, type ModifiableInstruction, Arg, Env, Label, From, JSONInstruction } from 'dockerfile-ast';
import { BuildError, type SourcePosition } from './errors.js';

export type Keyword = 'FROM' | 'RUN' | 'COPY' | 'ADD' | 'WORKDIR' | 'ENV' | 'ARG' | 'LABEL' | 'USER' | 'EXPOSE' | 'CMD' | 'ENTRYPOINT' | 'SHELL';

const SUPPORTED = new Set<string>(['FROM', 'RUN', 'COPY', 'ADD', 'WORKDIR', 'ENV', 'ARG', 'LABEL', 'USER', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'SHELL']);
/** In the Dockerfile reference, but not in this subset: refused by name rather than as unknown. */
const NOT_SUPPORTED = new Set<string>(['VOLUME', 'HEALTHCHECK', 'ONBUILD', 'STOPSIGNAL', 'MAINTAINER']);
/** Flags each instruction takes (Dockerfile reference, per instruction); others are refused. */
const FLAGS: Partial<Record<Keyword, readonly string[]>> = {
  FROM: ['platform'],
  COPY: ['from', 'chmod', 'chown', 'link'],
  ADD: ['chmod', 'chown', 'link'],
};

export interface Instruction {
  keyword: Keyword;
  position: SourcePosition;
  /** The instruction as written, continuations joined: what `history` shows. */
  text: string;
  /** The arguments after the flags, continuations joined, unexpanded. */
  args: string;
  /** The arguments split at whitespace (shell form) or the JSON array's strings. */
  words: string[];
  /** Set for the JSON (exec) form. */
  json?: string[];
  flags: Record<string, string>;
  /** ENV and LABEL: `KEY=VALUE` pairs (quotes removed, unexpanded); ARG: one pair, value undefined when not given. */
  pairs: { name: string; value: string | undefined }[];
}

export interface StageDefinition {
  index: number;
  /** `AS name`, lowercased as Docker compares stage names. */
  name: string | undefined;
  /** The FROM instruction; `base` is its image, unexpanded. */
  from: Instruction;
  base: string;
  steps: Instruction[];
}

export interface Containerfile {
  file: string;
  /** ARGs before the first FROM: they may be used in FROM lines. */
  globalArgs: Instruction[];
  stages: StageDefinition[];
}

/** Parses a Containerfile and checks it against the subset; throws `BuildError` with a position. */
export function parseContainerfile(text: string, file = 'Dockerfile'): Containerfile {
  const ast = DockerfileParser.parse(text);
  const escape = ast.getEscapeCharacter();
  const globalArgs: Instruction[] = [];
  const stages: StageDefinition[] = [];
  for (const node of ast.getInstructions()) {
    const instruction = readInstruction(node, escape, file);
    if (instruction.keyword === 'FROM') {
      const from = node as From;
      const base = from.getImage();
      if (base === null || base === '') throw new BuildError('FROM requires the name of an image, a stage or scratch', instruction.position);
      const words = instruction.words;
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
        throw new BuildError(`FROM takes IMAGE [AS NAME], not ${JSON.stringify(instruction.args)}`, instruction.position);
      }
      const name = words.length === 3 ? words[2]!.toLowerCase() : undefined;
      if (name !== undefined && stages.some((s) => s.name === name)) throw new BuildError(`duplicate stage name ${JSON.stringify(name)}`, instruction.position);
      stages.push({ index: stages.length, name, from: instruction, base, steps: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new BuildError(`${instruction.keyword} before the first FROM (only ARG may come first)`, instruction.position);
      globalArgs.push(instruction);
    } else {
      stages[stages.length - 1]!.steps.push(instruction);
    }
  }
  if (stages.length === 0) throw new BuildError('no FROM instruction: a Containerfile starts with FROM (or ARG, then FROM)', { file, line: 1, column: 1 });
  return { file, globalArgs, stages };
}

function readInstruction(node: AstInstruction, escape: string, file: string): Instruction {
  const keywordRange = node.getInstructionRange();
  const position: SourcePosition = { file, line: keywordRange.start.line + 1, column: keywordRange.start.character + 1 };
  const raw = node.getKeyword().toUpperCase();
  if (NOT_SUPPORTED.has(raw)) throw new BuildError(`${raw} is not supported by this builder (see the README's language subset)`, position);
  if (!SUPPORTED.has(raw)) throw new BuildError(`unknown instruction: ${node.getInstruction()}`, position);
  const keyword = raw as Keyword;
  const args = (node.getArgumentsContent() ?? '').trim();
  const flags: Record<string, string> = {};
  if ('getFlags' in node) {
    for (const flag of (node as ModifiableInstruction).getFlags()) {
      const name = flag.getName();
      const allowed = FLAGS[keyword] ?? [];
      if (!allowed.includes(name)) throw new BuildError(`${keyword} does not take the flag --${name}`, positionOf(file, flag.getRange().start));
      flags[name] = flag.getValue() ?? '';
    }
  }
  const instruction: Instruction = { keyword, position, text: joinLines(node.getTextContent(), escape), args, words: node.getArguments().map((a) => a.getValue()), flags, pairs: [] };
  if (node instanceof JSONInstruction && args.startsWith('[')) {
    // Docker reads `[...]` as the exec form only when it is a JSON array of strings, and
    // otherwise as the shell form (Dockerfile reference, "Shell and exec form").
    const json = jsonArray(args);
    if (json !== undefined) instruction.json = json;
    else if (keyword === 'SHELL') throw new BuildError(`SHELL requires a JSON array of strings, as in SHELL ["/bin/sh", "-c"]`, position);
  }
  if (keyword === 'SHELL' && instruction.json === undefined) throw new BuildError(`SHELL requires a JSON array of strings, as in SHELL ["/bin/sh", "-c"]`, position);
  if (node instanceof Env || node instanceof Label) {
    for (const p of node.getProperties()) {
      const value = p.getValue();
      if (value === null) throw new BuildError(`${keyword} ${p.getName()} needs a value (${keyword} NAME=VALUE)`, positionOf(file, p.getRange().start));
      instruction.pairs.push({ name: p.getName(), value });
    }
    if (instruction.pairs.length === 0) throw new BuildError(`${keyword} needs at least one NAME=VALUE`, position);
  } else if (node instanceof Arg) {
    const p = node.getProperty();
    if (p === null || p.getName() === '' || node.getArguments().length !== 1) throw new BuildError('ARG takes one NAME or NAME=DEFAULT', position);
    instruction.pairs.push({ name: p.getName(), value: p.getValue() ?? undefined });
  }
  checkArity(instruction);
  return instruction;
}

function checkArity(i: Instruction): void {
  const need = (ok: boolean, message: string): void => {
    if (!ok) throw new BuildError(message, i.position);
  };
  switch (i.keyword) {
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      need(i.keyword !== 'RUN' || i.args !== '', 'RUN needs a command');
      break;
    case 'COPY':
    case 'ADD':
      need((i.json ?? i.words).length >= 2, `${i.keyword} needs at least one source and a destination`);
      break;
    case 'WORKDIR':
    case 'USER':
      need(i.words.length >= 1, `${i.keyword} needs a value`);
      break;
    case 'EXPOSE':
      need(i.words.length >= 1, 'EXPOSE needs a port');
      break;
    default:
      break;
  }
}

function positionOf(file: string, start: { line: number; character: number }): SourcePosition {
  return { file, line: start.line + 1, column: start.character + 1 };
}

function jsonArray(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The instruction on one line: each escaped line break and comment lines inside removed. */
function joinLines(text: string, escape: string): string {
  const lines = text.split(/\r?\n/);
  let out = '';
  for (const line of lines) {
    if (out !== '' && /^\s*#/.test(line)) continue;
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed.endsWith(escape)) out += trimmed.slice(0, -escape.length);
    else {
      out += line;
      break;
    }
  }
  return out.trim();
}
