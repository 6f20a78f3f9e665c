/** `--help` of every verb, at 80 columns: no empty defaults, every positional described, examples whole. */
import { describe, expect, it } from 'vitest';
import type { Io } from '../../../src/cli/io.js';
import { loadCommands } from '../../../src/cli/commands/index.js';
import { run } from '../../../src/cli/run.js';

async function help(argv: string[], columns: number): Promise<string> {
  let out = '';
  const io: Io = {
    stdout: { write: (c) => void (out += typeof c === 'string' ? c : new TextDecoder().decode(c)), drain: async () => undefined, isTTY: true, columns },
    stderr: { write: () => undefined, drain: async () => undefined, isTTY: false },
    readStdin: async () => new Uint8Array(),
    stdinIsTTY: true,
    env: {},
    cwd: process.cwd(),
  };
  expect(await run(argv, io)).toBe(0);
  return out;
}

/** The lines of one section (`Positionals:`, `Examples:`) of a help text. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('--help of every verb', async () => {
  const specs = await loadCommands();
  for (const spec of specs) {
    const verb = spec.command.split(' ')[0]!;
    it(verb, async () => {
      for (const columns of [80, 110]) {
        const text = await help([verb, '--help'], columns);
        expect(text).toMatch(new RegExp(`^overlay ${verb}`));
        expect(text, 'an empty default').not.toContain('[default: []]');
        // A description runs into its type only when yargs had no room: "inside it[array]".
        expect(text, 'text glued to a [type]').not.toMatch(/[^\s[]\[(string|array|boolean|number|required|choices|default)/);
        // Every positional has a description: the name is followed by text, not by its [type].
        const positionals = section(text, 'Positionals').filter((l) => /^ {2}\S/.test(l));
        const named = (spec.command.match(/[<[]([a-z-]+)(\.\.)?[>\]]/g) ?? []).length;
        expect(positionals).toHaveLength(named);
        for (const line of positionals) expect(line, 'a positional without a description').toMatch(/^ {2}\S+ {2,}[^\s[]/);
        // Every example's command line is shown whole on one line, never wrapped inside it.
        const examples = section(text, 'Examples').join('\n');
        for (const [command] of spec.examples ?? []) expect(examples, `example "${command}" at ${columns} columns`).toMatch(new RegExp(`^ {2}${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`, 'm'));
      }
    });
  }
});
