import { describe, expect, it } from 'vitest';
import { builtinCommands, type ShellCommand } from '../../../src/shell/index.js';
import { sh } from './helpers.js';

describe('shell: operators, pipes, redirections, variables', () => {
  it('gives the last command exit code; && and || short-circuit', async () => {
    expect((await sh('true; false')).exitCode).toBe(1);
    expect((await sh('false; true')).exitCode).toBe(0);
    expect((await sh('false && echo no || echo yes')).stdout).toBe('yes\n');
    expect((await sh('exit 3; echo no')).exitCode).toBe(3);
    expect((await sh('! false')).exitCode).toBe(0);
  });

  it('set -e stops at the first failing command, except in conditions', async () => {
    const r = await sh('set -e; if false; then :; fi; false || true; false && true; echo reached; false; echo not');
    expect(r.stdout).toBe('reached\n');
    expect(r.exitCode).toBe(1);
  });

  it('an unknown command: 127 and dash\'s message', async () => {
    const r = await sh('nosuch arg');
    expect(r).toMatchObject({ exitCode: 127, stderr: 'sh: nosuch: not found\n' });
  });

  it('pipes buffer stdout into the next stdin; stderr goes straight out', async () => {
    const r = await sh('cat /data/a.txt | grep m | wc -l; cat /nope | cat');
    expect(r.stdout).toBe('1\n');
    expect(r.stderr).toBe('cat: /nope: No such file or directory\n');
  });

  it('redirects >, >>, <, 2>, 2>&1 and >/dev/null, with dash\'s errors', async () => {
    const r = await sh('echo one > /f; echo two >> /f; cat < /f; cat /nope 2> /err; cat /nope > /both 2>&1; echo hidden >/dev/null; echo x > /no/dir/f; echo "s=$?"');
    expect(r.stdout).toBe('one\ntwo\ns=2\n');
    expect(r.ov.fs.readFileSync('/err', 'utf8')).toBe('cat: /nope: No such file or directory\n');
    expect(r.ov.fs.readFileSync('/both', 'utf8')).toBe('cat: /nope: No such file or directory\n');
    expect(r.stderr).toBe('sh: cannot create /no/dir/f: Directory nonexistent\n');
  });

  it('cd, export, VAR=value cmd, env and sh -c with arguments', async () => {
    const r = await sh('cd /data && pwd; A=1; export B=2; C=3 env; sh -c \'echo "$0 $1 ${A:-unset} $B"\' me arg', { env: { PATH: '/bin' } });
    expect(r.stdout).toBe('/data\nPATH=/bin\nPWD=/data\nB=2\nC=3\nOLDPWD=/\nme arg unset 2\n'.replace('PWD=/data\nB=2\nC=3\nOLDPWD=/', 'PWD=/data\nOLDPWD=/\nB=2\nC=3'));
  });

  it('a syntax error in sh -c fails only the child (2); in eval or . it ends the shell with 2, as dash does', async () => {
    const child = await sh('sh -c "if"; echo "child $?"');
    expect([child.stdout, child.exitCode]).toEqual(['child 2\n', 0]);
    expect(child.stderr).toMatch(/^sh: .*\n$/);
    const evaluated = await sh('eval "if"; echo after');
    expect([evaluated.stdout, evaluated.exitCode]).toEqual(['', 2]);
    expect(evaluated.stderr).toMatch(/^sh: .*\n$/);
    const sourced = await sh('echo "if" > /s.sh; . /s.sh; echo after');
    expect([sourced.stdout, sourced.exitCode]).toEqual(['', 2]);
  });

  it('globs against the overlay relative to cwd; no match keeps the word', async () => {
    const r = await sh('cd /data; echo *.txt; echo /data/*; echo ?.t[x]t; echo nomatch*; echo "*.txt"; echo .h*');
    expect(r.stdout).toBe('a.txt b.txt\n/data/a.txt /data/b.txt /data/sub\na.txt b.txt\nnomatch*\n*.txt\n.hidden\n');
  });

  it('files made by redirections and commands belong to the user', async () => {
    const r = await sh('echo x > /home.txt; mkdir -p /a/b; touch /t; cp /data/b.txt /c', { user: { uid: 1000, gid: 1000 } });
    for (const p of ['/home.txt', '/a', '/a/b', '/t', '/c']) expect([r.ov.fs.statSync(p).uid, r.ov.fs.statSync(p).gid], p).toEqual([1000, 1000]);
  });

  it('runs custom commands with fs, args and env, and sums simulatedMs', async () => {
    const aptGet: ShellCommand = (ctx) => {
      if (ctx.args[0] !== 'install') return 100;
      for (const pkg of ctx.args.slice(1).filter((a) => a !== '-y')) ctx.fs.writeFileSync(`/usr-${pkg}`, `${ctx.env['MIRROR']}\n`);
      ctx.stdout(`installed ${ctx.args.length - 2}\n`);
      return { exitCode: 0, simulatedMs: 1500 };
    };
    const r = await sh('apt-get install -y python3 && sleep 2 && /usr/bin/apt-get update', { commands: { 'apt-get': aptGet }, env: { MIRROR: 'deb' } });
    expect(r).toMatchObject({ exitCode: 100, stdout: 'installed 1\n', simulatedMs: 3500 });
    expect(r.ov.fs.readFileSync('/usr-python3', 'utf8')).toBe('deb\n');
    expect(Object.keys(builtinCommands)).toContain('tar');
  });

  it('a command that throws: its name and the reason, exit 1', async () => {
    const r = await sh('boom', { commands: { boom: () => { throw new Error('kaput'); } } });
    expect(r).toMatchObject({ exitCode: 1, stderr: 'boom: kaput\n' });
  });
});
