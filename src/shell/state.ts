/**
 * What the shell's own built-ins (cd, export, set, sh -c, ...) see of the running shell. The
 * interpreter (Shell.ts) implements it; the built-ins live apart (special.ts) without a cycle.
 */
import type { OverlayFs } from '../overlay/index.js';
import type { Sink } from './io.js';
import type { ShellCommand, ShellUser } from './types.js';

/** Shared by a shell and its subshells. */
export interface Runtime {
  fs: OverlayFs;
  user: ShellUser;
  commands: Readonly<Record<string, ShellCommand>>;
  simulatedMs: number;
  clock: () => number;
}

/** The open descriptors of a command: 0 is input, the rest are output sinks. */
export interface Fds {
  stdin: Uint8Array;
  sinks: Map<number, Sink>;
}

export interface ShellFlags {
  /** `set -e` */
  errexit: boolean;
  /** `set -u` */
  nounset: boolean;
  /** `set -x` */
  xtrace: boolean;
  /** `set -o pipefail` */
  pipefail: boolean;
}

export const FLAG_LETTERS: Readonly<Record<string, keyof ShellFlags>> = { e: 'errexit', u: 'nounset', x: 'xtrace' };

export interface ShellState {
  readonly runtime: Runtime;
  readonly vars: Map<string, string>;
  readonly exported: Set<string>;
  cwd: string;
  positional: string[];
  readonly options: ShellFlags;
  /** `$?` */
  status: number;
  setVar(name: string, value: string): void;
  env(): Record<string, string>;
  /** Runs a script in a new shell process (`sh -c`), which inherits only exported variables. */
  runChild(script: string, arg0: string, args: string[], flags: Partial<ShellFlags>, fds: Fds): Promise<number>;
  /** Parses and runs a script in this shell (`eval`, `.`). */
  evaluate(script: string, fds: Fds): Promise<number>;
  /** Runs argv as a command, skipping the shell's own built-ins when `external` is set. */
  invoke(argv: string[], fds: Fds, external?: boolean): Promise<number>;
  /** The command `name` would run: 'builtin', 'special', or undefined. */
  find(name: string): 'special' | 'command' | undefined;
}

/** `exit`, `set -e` and fatal expansion errors unwind to the nearest shell (or subshell). */
export class ShellExit {
  constructor(readonly status: number) {}
}

/** `break` and `continue`, unwinding to the loop `levels` up. */
export class LoopControl {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}

/** `sh: message` on fd 2. */
export function shellError(fds: Fds, message: string): void {
  fds.sinks.get(2)?.write(`sh: ${message}\n`);
}

export function write(fds: Fds, fd: number, text: string | Uint8Array): void {
  fds.sinks.get(fd)?.write(text);
}
