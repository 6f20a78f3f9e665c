/**
 * A POSIX-like shell that runs against an overlay's fs, for Containerfile RUN steps without a
 * container runtime. Node-free: commands are JS functions over the overlay's Node-style fs.
 */
export { runShell } from './runShell.js';
export { parseScript } from './parse.js';
export { ShellSyntaxError } from './syntax.js';
export type { List as ShellScript } from './syntax.js';
export { builtinCommands } from './commands/index.js';
export { applyMode } from './mode.js';
export type { ShellIo, CommandContext, CommandResult, ShellCommand, ShellOptions, ShellResult, ShellUser } from './types.js';
