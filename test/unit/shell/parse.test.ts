import { describe, expect, it } from 'vitest';
import { ShellSyntaxError, parseScript } from '../../../src/shell/index.js';
import { DomainError } from '../../../src/index.js';
import { sh } from './helpers.js';

describe('shell parser', () => {
  it('parses operators into lists, and-or chains and pipelines', () => {
    const list = parseScript('a && b || c; d | e\nf');
    expect(list).toHaveLength(3);
    expect(list[0]!.rest.map((r) => r.op)).toEqual(['&&', '||']);
    expect(list[1]!.first.commands).toHaveLength(2);
  });

  it('keeps quotes: single literal, double with expansions, backslashes', async () => {
    const r = await sh(`X='a b'; echo '$X' "$X" \\$X "\\"q\\"" 'it'"'"'s' a\\ b`);
    expect(r.stdout).toBe('$X a b $X "q" it\'s a b\n');
  });

  it('expands $VAR, ${VAR}, ${VAR:-default}, ${#VAR}, trims and $?', async () => {
    const r = await sh('echo $V ${V}x ${U:-dflt} ${V:+alt} ${#V}; false; echo $?; F=dir/file.tar.gz; echo ${F%.*} ${F%%.*} ${F#*/} ${F##*.}', { env: { V: 'val' } });
    expect(r.stdout).toBe('val valx dflt alt 3\n1\ndir/file.tar dir/file file.tar.gz gz\n');
  });

  it('splits unquoted expansions into fields, but not quoted ones', async () => {
    const r = await sh('X="1  2"; for i in $X; do echo "[$i]"; done; for i in "$X"; do echo "[$i]"; done');
    expect(r.stdout).toBe('[1]\n[2]\n[1  2]\n');
  });

  it('runs command substitution, if, for, while, groups and subshells', async () => {
    const r = await sh('N=$(echo hi); echo "$N `echo there`"; if [ "$N" = hi ]; then echo yes; elif true; then echo no; else echo never; fi; i=; while [ "$i" != 111 ]; do i=${i}1; done; echo $i; (cd /data; pwd); pwd; { echo g1; echo g2; } | wc -l');
    expect(r.stdout).toBe('hi there\nyes\n111\n/data\n/\n2\n');
  });

  it('reports syntax errors with their position, as a DomainError', () => {
    const cases: [string, string, number, number][] = [
      ['echo a &&', 'end of file unexpected', 1, 10],
      ['echo "open', 'Unterminated quoted string', 1, 6],
      ['ls\n  && x', '"&&" unexpected', 2, 3],
      ['if true; then echo; fi fi', '"fi" unexpected', 1, 24],
      ['echo ${', "Missing '}'", 1, 6],
      ['cat <<EOF', 'here-documents are not supported', 1, 5],
      ['; ls', '";" unexpected', 1, 1],
    ];
    for (const [script, reason, line, column] of cases) {
      let error: unknown;
      try {
        parseScript(script);
      } catch (err) {
        error = err;
      }
      expect(error, script).toBeInstanceOf(ShellSyntaxError);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as ShellSyntaxError).code).toBe('ShellSyntaxError');
      expect((error as ShellSyntaxError).message, script).toContain(reason);
      expect([(error as ShellSyntaxError).line, (error as ShellSyntaxError).column], script).toEqual([line, column]);
    }
  });

  it('runShell rejects a script that does not parse; sh -c inside reports it and exits 2', async () => {
    await expect(sh('echo (')).rejects.toBeInstanceOf(ShellSyntaxError);
    const r = await sh(`sh -c 'echo ('; echo "status $?"`);
    expect(r.stdout).toBe('status 2\n');
    expect(r.stderr).toMatch(/^sh: Syntax error: "\(" unexpected/);
  });
});
