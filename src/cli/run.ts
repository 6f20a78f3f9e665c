/**
 * The `overlay` command line: yargs parses and documents the verbs (`--help` on each), each
 * verb's `run` does the work, and every failure ends as one line on stderr with a non-zero
 * exit code.
 */
import yargs, { type Argv } from 'yargs';
import { Context, DEFAULT_STORE, STDIN_ARG, type Args } from './context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, describeError, exitCodeOf } from './errors.js';
import type { Io } from './io.js';
import { FLAG_OPTIONS, VALUE_OPTIONS, isVerb, loadCommands } from './commands/index.js';
import type { CommandSpec } from './commands/common.js';

export const VERSION = '0.1.0';

/**
 * The verbs yargs must know to parse this command line: only its own when the first word
 * after the global options names one, else every verb (for `--help`, a misspelt verb's
 * suggestion, or an option this scan does not know before the verb). yargs parses a verb's
 * arguments with that verb's definition alone, so the outcome is the same either way.
 */
export function verbsToLoad(argv: readonly string[]): string[] | undefined {
  if (argv.length === 1 && argv[0] === '--version') return [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) {
      const name = arg.split('=')[0]!;
      if (FLAG_OPTIONS.has(name) || (VALUE_OPTIONS.has(name) && arg.includes('='))) continue;
      return undefined;
    }
    return isVerb(arg) ? [arg] : undefined;
  }
  return undefined;
}

/** Runs the CLI with these arguments; resolves to the exit code (never exits the process). */
export async function run(rawArgv: readonly string[], io: Io): Promise<number> {
  // yargs turns a lone "-" (stdin, by convention) into an empty string: carry it through as
  // a marker the context turns back into "-".
  const argv = rawArgv.map((a) => (a === '-' ? STDIN_ARG : a));
  const commands = await loadCommands(verbsToLoad(argv));
  let selected: { verb: string; args: Args; spec: CommandSpec } | undefined;
  let usageError: string | undefined;
  let helpOutput = '';
  const wrap = Math.min(110, io.stdout.columns ?? 100);
  const parser: Argv = yargs([...argv])
    .scriptName('overlay')
    .usage('overlay <command> [options]\n\nA union filesystem (Linux overlayfs semantics) over OCI image layers, used like Docker.\nThe store is an OCI image layout: skopeo, umoci and oci-image-tool read it.')
    // 'boolean-negation' off: `--no-trunc` is an option of its own (as Docker spells it), not
    // the negation of an unknown `--trunc` (test/e2e/cliGuard.test.ts, '--no-trunc').
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'boolean-negation': false })
    .option('store', { type: 'string', global: true, describe: `the store (default $OVERLAY_STORE, else ./${DEFAULT_STORE})` })
    .option('json', { type: 'boolean', global: true, describe: 'machine-readable output' })
    .strict()
    .exitProcess(false)
    .wrap(wrap)
    .version(VERSION)
    .help()
    .alias('help', 'h')
    .demandCommand(1, 'no command given')
    .recommendCommands()
    .epilogue('Run "overlay COMMAND --help" for the options of a command. Try "overlay demo" for a guided tour.')
    .fail((message, error) => {
      usageError = message ?? error?.message ?? 'invalid arguments';
    });
  // yargs formats the command's whole help text whenever a command runs (cacheHelpMessage in
  // its lib/command.js), for a handler that might call showHelp(); none does, and the formatting
  // costs more than most commands (overlay demo runs ~50). The Angular CLI skips it the same way
  // (angular/angular-cli pull request 34087). With --help, yargs keeps doing it as before.
  const internals = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage?.cacheHelpMessage !== undefined && !argv.some((a) => a === '--help' || a === '-h')) usage.cacheHelpMessage = () => {};
  for (const spec of commands) {
    const verb = spec.command.split(' ')[0]!;
    parser.command(
      spec.command,
      spec.describe,
      (y) => {
        let built = spec.builder === undefined ? y : spec.builder(y);
        // yargs gives an example's command at most half the width and wraps it inside
        // (`--author` and its value apart); a verb with a longer one shows each example as
        // two lines: its description as a shell comment, then the command whole.
        const examples = spec.examples ?? [];
        const whole = examples.some(([cmd]) => cmd.length > Math.floor(wrap / 2));
        for (const [cmd, text] of examples) built = whole ? built.example(`# ${text}\n${cmd}`, '') : built.example(cmd, text);
        return built;
      },
      (args) => {
        selected = { verb, args: args as unknown as Args, spec };
      },
    );
  }
  try {
    await parser.parseAsync([...argv], {}, (_err: unknown, _args: unknown, output: string) => {
      helpOutput = output;
    });
  } catch (error) {
    usageError ??= error instanceof Error ? error.message : String(error);
  }
  if (usageError !== undefined) {
    const first = argv.find((a) => !a.startsWith('-'));
    const known = isVerb;
    if (selected === undefined && first !== undefined && !known(first) && /^Unknown argument/.test(usageError)) {
      io.stderr.write(`overlay: unknown command "${first}"\nRun "overlay --help" for the list of commands.\n`);
      return EXIT_USAGE;
    }
    const verb = selected?.verb ?? (first !== undefined && known(first) ? first : '');
    io.stderr.write(`overlay: ${verb === '' ? '' : `${verb}: `}${usageError}\n`);
    io.stderr.write(`Run "overlay ${verb === '' ? '' : `${verb} `}--help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (selected === undefined) {
    // --help or --version: yargs produced the text.
    if (helpOutput !== '') io.stdout.write(helpOutput.endsWith('\n') ? helpOutput : helpOutput + '\n');
    return EXIT_OK;
  }
  try {
    const ctx = new Context(io, selected.verb, selected.args, run);
    const code = await selected.spec.run(ctx);
    return typeof code === 'number' ? code : EXIT_OK;
  } catch (error) {
    io.stderr.write(`overlay: ${describeError(selected.verb, error)}\n`);
    if (io.env['OVERLAY_DEBUG'] !== undefined && error instanceof Error && error.stack !== undefined) io.stderr.write(error.stack + '\n');
    return error instanceof UsageError ? EXIT_USAGE : exitCodeOf(error) || EXIT_FAILURE;
  }
}
