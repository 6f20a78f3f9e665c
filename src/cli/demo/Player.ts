import type { CliRunner } from '../context.js';
import { recordingIo } from './recordingIo.js';

/** One command line of the tour: a real argv for `overlay`, run through the CLI's entry point. */
export interface DemoCommand {
  argv: readonly string[];
  /** Piped to stdin, shown as `echo TEXT | overlay …` (with echo's newline at the end). */
  echo?: string;
  /** Shown as `… | jq 'FILTER'`; `apply` does to the JSON output what that filter does. */
  jq?: { filter: string; apply: (json: unknown) => unknown };
}

/** A step whose command failed: the tour stops, and the error shows the command and its stderr. */
export class DemoStepError extends Error {
  override readonly name = 'DemoStepError';
  readonly commandLine: string;
  readonly exitCode: number;
  readonly stderr: string;

  constructor(commandLine: string, exitCode: number, stderr: string) {
    const detail = stderr.trimEnd() === '' ? '' : `\n${stderr.trimEnd()}`;
    super(`this step failed with exit code ${exitCode}: ${commandLine}${detail}`);
    this.commandLine = commandLine;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface PlayerOptions {
  /** Writes text to the demo's own stdout. */
  write(text: string): void;
  cli: CliRunner;
  /** The environment every command runs with: the store, the clock, the platform. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths in the commands (the demo's tar) are taken from. */
  cwd: string;
}

const WIDTH = 76;

/** An argument as a POSIX shell would need it written. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  return `"${arg.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
}

export function commandLine(command: DemoCommand): string {
  const overlay = ['overlay', ...command.argv.map(shellQuote)].join(' ');
  const input = command.echo === undefined ? '' : `echo ${shellQuote(command.echo)} | `;
  const filter = command.jq === undefined ? '' : ` | jq ${shellQuote(command.jq.filter)}`;
  return `${input}${overlay}${filter}`;
}

/**
 * Prints the tour: numbered headings, narration, and each command as `  $ overlay …` with what
 * the command printed below it, indented. Commands run one at a time through `cli`.
 */
export class Player {
  readonly #options: PlayerOptions;
  #section = 0;
  /** What was printed last, for the blank lines between blocks. */
  #last: 'start' | 'heading' | 'text' | 'output' | 'silent' = 'start';

  constructor(options: PlayerOptions) {
    this.#options = options;
  }

  title(text: string): void {
    this.#options.write(`${text}\n${'═'.repeat(WIDTH)}\n`);
    this.#last = 'heading';
  }

  heading(title: string): void {
    this.#section++;
    const text = `── ${this.#section}. ${title} `;
    this.#options.write(`\n${text}${'─'.repeat(Math.max(3, WIDTH - text.length))}\n`);
    this.#last = 'heading';
  }

  say(text: string): void {
    this.#gap(this.#last !== 'heading');
    this.#options.write(text.trim() + '\n');
    this.#last = 'text';
  }

  /** Indented lines that are not run (commands for other tools, say). */
  show(text: string): void {
    this.#gap(this.#last !== 'heading');
    this.#block(text);
    this.#last = 'output';
  }

  /** Runs the command and prints it with its output; returns its stdout (after the jq filter). */
  async run(command: DemoCommand): Promise<string> {
    const line = commandLine(command);
    this.#gap(this.#last !== 'heading' && this.#last !== 'silent');
    this.#options.write(`  $ ${line}\n`);
    const recording = recordingIo({ env: this.#options.env, cwd: this.#options.cwd, ...(command.echo === undefined ? {} : { stdin: `${command.echo}\n` }) });
    const code = await this.#options.cli(command.argv, recording.io);
    let stdout = recording.stdout();
    const stderr = recording.stderr();
    if (code !== 0) {
      this.#block(stdout);
      throw new DemoStepError(line, code, stderr);
    }
    // jq's default output is JSON.stringify's with two spaces, for the strings, arrays and
    // objects the tour selects.
    if (command.jq !== undefined) stdout = JSON.stringify(command.jq.apply(JSON.parse(stdout)), null, 2) + '\n';
    const shown = stdout + stderr;
    this.#block(shown);
    this.#last = shown === '' ? 'silent' : 'output';
    return stdout;
  }

  #gap(wanted: boolean): void {
    if (wanted) this.#options.write('\n');
  }

  #block(text: string): void {
    if (text === '') return;
    const lines = text.replace(/\n$/, '').split('\n');
    this.#options.write(lines.map((l) => (l === '' ? '' : `  ${l}`)).join('\n') + '\n');
  }
}
