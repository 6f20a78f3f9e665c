import { describe, expect, it } from 'vitest';
import { sh } from './helpers.js';

describe('shell built-in commands', () => {
  it('echo and printf', async () => {
    const r = await sh(`echo -n a; echo 'b\\tc'; printf '%s-%d|%5s|%-3s|%03d|%x\\n' x 42 r l 7 255; printf '%s\\n' 1 2`);
    expect(r.stdout).toBe('ab\tc\nx-42|    r|l  |007|ff\n1\n2\n');
  });

  it('cat, head, tail, wc', async () => {
    const r = await sh('cat /data/b.txt - < /data/b.txt; head -n 2 /data/a.txt; head -1 /data/a.txt; tail -n 1 /data/a.txt; wc -l /data/a.txt; wc -l < /data/a.txt; head /nope');
    expect(r.stdout).toBe('one\none\nalpha\nbeta\nalpha\ngamma\n3 /data/a.txt\n3\n');
    expect(r.stderr).toBe("head: cannot open '/nope' for reading: No such file or directory\n");
    expect(r.exitCode).toBe(1);
  });

  it('mkdir -p, and its errors', async () => {
    const r = await sh('mkdir -p /x/y/z && mkdir /x; echo $?; mkdir /q/r');
    expect(r.ov.fs.statSync('/x/y/z').isDirectory()).toBe(true);
    expect(r.stderr).toBe("mkdir: cannot create directory '/x': File exists\nmkdir: cannot create directory '/q/r': No such file or directory\n");
    expect(r.stdout).toBe('1\n');
  });

  it('rm -rf, rm of a directory without -r, of a missing file', async () => {
    const r = await sh('rm -rf /data/sub /nothing; rm /data; rm /nope; rm -f /nope; rm /data/a.txt');
    expect(r.ov.fs.existsSync('/data/sub')).toBe(false);
    expect(r.ov.fs.existsSync('/data/a.txt')).toBe(false);
    expect(r.stderr).toBe("rm: cannot remove '/data': Is a directory\nrm: cannot remove '/nope': No such file or directory\n");
  });

  it('cp -r, mv, ln -s, and their errors', async () => {
    const r = await sh('cp -r /data /copy && cp /data/a.txt /copy/sub/ && mv /copy/b.txt /moved && ln -s /moved /link && cat /link /copy/sub/a.txt | wc -l; cp /data /d2; cp /nope /x; mv /nope /x; ln -s /a /link');
    expect(r.ov.fs.readdirSync('/copy')).toEqual(['.hidden', 'a.txt', 'sub']);
    expect(r.ov.fs.readlinkSync('/link')).toBe('/moved');
    expect(r.stdout).toBe('4\n');
    expect(r.stderr).toBe(
      "cp: -r not specified; omitting directory '/data'\ncp: cannot stat '/nope': No such file or directory\nmv: cannot stat '/nope': No such file or directory\nln: failed to create symbolic link '/link': File exists\n",
    );
  });

  it('mv of a lower directory falls back to copy and delete (EXDEV)', async () => {
    const r = await sh('mv /data /moved && ls /moved');
    expect(r.stdout).toBe('a.txt\nb.txt\nsub\n');
    expect(r.ov.fs.existsSync('/data')).toBe(false);
  });

  it('touch creates or updates, with the shell clock', async () => {
    const r = await sh('touch /new /data/b.txt; touch /no/such', { clock: () => 1_800_000_000_000 });
    expect(r.ov.fs.statSync('/new').mtimeMs).toBe(1_800_000_000_000);
    expect(r.ov.fs.statSync('/data/b.txt').mtimeMs).toBe(1_800_000_000_000);
    expect(r.stderr).toBe("touch: cannot touch '/no/such': No such file or directory\n");
  });

  it('chmod octal and symbolic, chown with numbers and names', async () => {
    const r = await sh('chmod 600 /data/a.txt; chmod u+x,g+r /data/b.txt; chmod -R go-rwx /data/sub; chown app:staff /data/a.txt; chown 7:8 /data/b.txt; chown bob /x; chmod zz /x');
    const mode = (p: string): number => r.ov.fs.statSync(p).mode & 0o7777;
    expect([mode('/data/a.txt'), mode('/data/b.txt'), mode('/data/sub'), mode('/data/sub/c.md')]).toEqual([0o600, 0o744, 0o700, 0o600]);
    expect([r.ov.fs.statSync('/data/a.txt').uid, r.ov.fs.statSync('/data/a.txt').gid]).toEqual([1000, 50]);
    expect([r.ov.fs.statSync('/data/b.txt').uid, r.ov.fs.statSync('/data/b.txt').gid]).toEqual([7, 8]);
    expect(r.stderr).toBe("chown: invalid user: 'bob'\nchmod: invalid mode: 'zz'\n");
  });

  it('test and [', async () => {
    const r = await sh(
      'for t in "-e /data" "-f /data" "-d /data" "-s /data/a.txt" "-z \'\'" "-n x" "a = a" "a != a" "3 -eq 3" "2 -gt 3" "! -e /nope" "-f /data/a.txt -a -d /data"; do eval "[ $t ]"; printf %s $?; done; echo; test 1 -eq x; echo " $?"; [ a = a; echo $?',
    );
    expect(r.stdout).toBe('010000010100\n 2\n2\n');
    expect(r.stderr).toBe('test: x: integer expression expected\n[: missing ]\n');
  });

  it('sed -i s///g with other delimiters, sed to stdout, and errors', async () => {
    const r = await sh("sed -i 's/a/A/g' /data/a.txt && cat /data/a.txt; sed 's|e|E|' /data/a.txt; sed -e 's/\\(b\\)e/[\\1&]/' -e '/gAmmA/d' /data/a.txt; sed s/x/y/ /nope");
    expect(r.ov.fs.readFileSync('/data/a.txt', 'utf8')).toBe('AlphA\nbetA\ngAmmA\n');
    expect(r.stdout).toBe('AlphA\nbetA\ngAmmA\nAlphA\nbEtA\ngAmmA\nAlphA\n[bbe]tA\n');
    expect(r.stderr).toBe("sed: can't read /nope: No such file or directory\n");
  });

  it('grep: fixed strings and regexes, -v -c -q, exit codes', async () => {
    const r = await sh('grep -c a /data/a.txt; grep -v a /data/a.txt; grep -E "^(al|ga)" /data/a.txt; grep -q zzz /data/a.txt; echo $?; grep x /nope; echo $?');
    expect(r.stdout).toBe('3\nalpha\ngamma\n1\n2\n');
    expect(r.stderr).toBe('grep: /nope: No such file or directory\n');
  });

  it('tar -czf and tar -xzf -C round-trip the tree, modes and links', async () => {
    const r = await sh('chmod 750 /data/sub && ln -s a.txt /data/l && tar -czf /t.tgz -C /data . && mkdir /out && tar xzf /t.tgz -C /out && ls -A /out && cat /out/l && tar -tf /t.tgz | head -n 3; tar -xf /nope');
    expect(r.stdout).toBe('.hidden\na.txt\nb.txt\nl\nsub\nalpha\nbeta\ngamma\n./\n./.hidden\n./a.txt\n');
    expect(r.ov.fs.statSync('/out/sub').mode & 0o777).toBe(0o750);
    expect(r.ov.fs.readlinkSync('/out/l')).toBe('a.txt');
    expect(r.stderr).toBe('tar: /nope: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n');
  });

  it('pwd, ls, basename, dirname, id, whoami, which', async () => {
    const r = await sh('cd /data && pwd && ls && basename /a/b.txt .txt && dirname /a/b.txt && id && whoami && which ls tool nosuch', { env: { PATH: '/bin' } });
    expect(r.stdout).toBe('/data\na.txt\nb.txt\nsub\nb\n/a\nuid=0(root) gid=0(root) groups=0(root)\nroot\n/usr/bin/ls\n/bin/tool\n');
    expect(r.exitCode).toBe(1);
  });
});
