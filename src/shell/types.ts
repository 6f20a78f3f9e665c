import type { OverlayFs } from '../overlay/index.js';

/** Where a command reads and writes: stdin is whole (pipes are buffered), output is pushed. */
export interface ShellIo {
  stdin: Uint8Array;
  stdout(chunk: Uint8Array | string): void;
  stderr(chunk: Uint8Array | string): void;
}

export interface ShellUser {
  uid: number;
  gid: number;
}

/** What a command gets: the overlay's fs, its arguments (without its name), env, cwd and user. */
export interface CommandContext extends ShellIo {
  fs: OverlayFs;
  /** argv without the command name. */
  args: string[];
  /** The exported variables plus the command's own `VAR=value` prefixes. */
  env: Record<string, string>;
  /** Absolute. */
  cwd: string;
  user: ShellUser;
  /** The name the command was called by (`argv[0]`, e.g. `[` for test); the shell sets it. */
  name?: string;
  /** Whether the shell knows a command by this name (for `which`); the shell sets it. */
  hasCommand?(name: string): boolean;
  /** Milliseconds since the epoch for new timestamps (`touch`); the shell sets it from ShellOptions.clock. */
  now?(): number;
  /** Runs argv as a command with this I/O and extra env (for `env CMD`); the shell sets it. */
  exec?(argv: string[], env: Record<string, string>): Promise<number>;
}

export interface CommandResult {
  exitCode: number;
  /** Time the command would have taken, summed into ShellResult.simulatedMs. */
  simulatedMs?: number;
}

export type ShellCommand = (ctx: CommandContext) => number | CommandResult | Promise<number | CommandResult>;

export interface ShellOptions {
  fs: OverlayFs;
  /** The exported environment (default: empty). */
  env?: Record<string, string>;
  /** Absolute working directory (default `/`). */
  cwd?: string;
  /** Owner of the files commands create (default root, 0:0). */
  user?: ShellUser;
  /** Extra commands by name; they take precedence over builtinCommands (not over cd, exit, ...). */
  commands?: Record<string, ShellCommand>;
  stdin?: Uint8Array;
  /** Milliseconds since the epoch for timestamps commands set (`touch`); pass the overlay's clock. Default Date.now. */
  clock?: () => number;
}

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The sum of the simulatedMs of the commands run. */
  simulatedMs: number;
}
