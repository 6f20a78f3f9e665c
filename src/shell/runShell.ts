import { BufferSink, toText } from './io.js';
import { parseScript } from './parse.js';
import { Shell } from './Shell.js';
import type { Runtime } from './state.js';
import type { ShellOptions, ShellResult } from './types.js';

/**
 * Runs `script` (the text after `/bin/sh -c`) against `options.fs`, as dash would: the exit
 * code is the last command's unless `exit` or `set -e` ends the script sooner. A script that
 * does not parse throws ShellSyntaxError (with its position) instead of running anything.
 */
export async function runShell(script: string, options: ShellOptions): Promise<ShellResult> {
  const list = parseScript(script);
  const runtime: Runtime = { fs: options.fs, user: options.user ?? { uid: 0, gid: 0 }, commands: options.commands ?? {}, simulatedMs: 0, clock: options.clock ?? Date.now };
  const cwd = options.cwd ?? '/';
  const vars = new Map(Object.entries(options.env ?? {}));
  // dash sets and exports PWD at start-up.
  vars.set('PWD', cwd);
  const shell = new Shell(runtime, { vars, exported: new Set(vars.keys()), cwd });
  const stdout = new BufferSink();
  const stderr = new BufferSink();
  const exitCode = await shell.runToEnd(list, { stdin: options.stdin ?? new Uint8Array(), sinks: new Map([[1, stdout], [2, stderr]]) });
  return { exitCode, stdout: toText(stdout.bytes()), stderr: toText(stderr.bytes()), simulatedMs: runtime.simulatedMs };
}
