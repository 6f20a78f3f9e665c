/** Containers and the file verbs inside them, through the built binary. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, sh, type Overlay } from './helpers.js';

let o: Overlay;

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  const root = join(o.dir, 'rootfs');
  for (const d of ['etc', 'bin', 'usr/share/doc', 'var/log', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc', 'motd'), 'Welcome\n');
  writeFileSync(join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(root, 'bin', 'ls'), 'ls\n', { mode: 0o755 });
  writeFileSync(join(root, 'usr', 'share', 'doc', 'README'), 'docs\n');
  writeFileSync(join(root, 'usr', 'share', 'doc', 'LICENSE'), 'free\n');
  o.ok(['import', 'rootfs', 'base:1']);
}, HOOK_TIMEOUT);

describe('containers', { timeout: TEST_TIMEOUT }, () => {
  it('creates containers with names (given or IMAGE-N) and lists them', () => {
    expect(o.ok(['create', 'base:1', '--name', 'web'])).toMatch(/^[0-9a-f]{12} {2}web\n$/);
    const auto = o.json<{ id: string; name: string }>(['create', 'base:1']);
    expect(auto.name).toBe('base-1');
    expect(auto.id).toMatch(/^[0-9a-f]{64}$/);
    expect(o(['create', 'base:1', '--name', 'web']).stderr).toBe('overlay: create: container name web is already in use\n');
    expect(o(['create', 'nope']).stderr).toBe('overlay: create: no such image: nope:latest\n');
    expect(o(['create', 'base:1', '--name', '-x']).code).not.toBe(0);
    const ps = o.ok(['ps']);
    expect(ps.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+CREATED\s+CONTENT SIZE\s+NAMES$/);
    expect(ps).toMatch(/base:1 .* web$/m);
    // Same creation time (fixed clock): by name.
    expect(o.json<{ name: string }[]>(['ps']).map((c) => c.name)).toEqual(['base-1', 'web']);
    expect(o.ok(['ps', '-q']).trim().split('\n')).toHaveLength(2);
    // Removing a container by name; the image stays.
    expect(o.ok(['rm', 'base-1'])).toMatch(/^base-1 \([0-9a-f]{12}\)\n$/);
    expect(o(['rm', 'base-1']).stderr).toBe('overlay: rm: no such container: base-1\n');
    expect(o(['rm', '-f', 'base-1']).code).toBe(0);
  });

  it('reads files and directories of containers and images', () => {
    expect(o.ok(['cat', 'web', '/etc/motd'])).toBe('Welcome\n');
    // A relative path is a usage error naming the absolute one, never taken from / silently.
    expect(o(['cat', 'web', 'etc/hosts'])).toMatchObject({ code: 2, stderr: expect.stringContaining('did you mean /etc/hosts?') });
    expect(o.ok(['ls', 'web'])).toBe('bin/\netc/\ntmp/\nusr/\nvar/\n');
    expect(o.ok(['ls', '-l', 'web', '/bin'])).toMatch(/^-rwxr-xr-x +1 +0 +0 +3B \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ls\n$/);
    expect(o.ok(['ls', '-R', 'base:1', '/usr'])).toBe('share/\nshare/doc/\nshare/doc/LICENSE\nshare/doc/README\n');
    expect(o.json<{ name: string; type: string }[]>(['ls', 'web', '/etc']).map((e) => [e.name, e.type])).toEqual([
      ['hosts', 'file'],
      ['motd', 'file'],
    ]);
    const shadow = o(['cat', 'web', '/etc/shadow']);
    expect(shadow.code).toBe(1);
    expect(shadow.stderr).toBe('overlay: cat /etc/shadow: no such file or directory\n');
    expect(o(['cat', 'web', '/etc']).stderr).toBe('overlay: cat /etc: illegal operation on a directory\n');
    expect(o(['ls', 'web', '/nope']).stderr).toBe('overlay: ls /nope: no such file or directory\n');
    expect(o(['cat', 'ghost', '/etc/motd']).stderr).toBe('overlay: cat: no such container or image: ghost\n');
  });

  it('writes, appends, makes directories, links, moves, chmods and touches', () => {
    o.ok(['write', 'web', '/etc/motd', 'Hello from web\n']);
    o.ok(['write', 'web', '/tmp/from-stdin'], { input: 'piped' }).toString();
    writeFileSync(join(o.dir, 'host.txt'), 'from the host');
    o.ok(['write', '-p', 'web', '/srv/data/host.txt', '--from', 'host.txt', '--mode', '600']);
    o.ok(['append', 'web', '/etc/hosts', '10.0.0.2 db\n']);
    o.ok(['mkdir', '-p', 'web', '/srv/a/b', '/srv/c']);
    o.ok(['mkdir', '-m', '700', 'web', '/private']);
    o.ok(['ln', '-s', 'web', '/etc/motd', '/motd-link']);
    o.ok(['ln', 'web', '/etc/hosts', '/etc/hosts.hard']);
    o.ok(['mv', 'web', '/srv/c', '/srv/a']);
    o.ok(['chmod', 'web', 'u+x,go-r', '/etc/hosts']);
    o.ok(['chmod', 'web', '0640', '/etc/motd']);
    o.ok(['touch', 'web', '/tmp/empty', '/bin/ls']);
    expect(o.ok(['cat', 'web', '/etc/motd'])).toBe('Hello from web\n');
    expect(o.ok(['cat', 'web', '/tmp/from-stdin'])).toBe('piped');
    expect(o.ok(['cat', 'web', '/srv/data/host.txt'])).toBe('from the host');
    expect(o.ok(['cat', 'web', '/etc/hosts.hard'])).toBe('127.0.0.1 localhost\n10.0.0.2 db\n');
    expect(o.ok(['cat', 'web', '/motd-link'])).toBe('Hello from web\n');
    expect(o.ok(['ls', '-R', 'web', '/srv'])).toBe('a/\na/b/\na/c/\ndata/\ndata/host.txt\n');
    const modes = Object.fromEntries(o.json<{ path: string; mode: number; nlink: number; size: number }[]>(['ls', 'web', '/etc']).map((e) => [e.path, e]));
    expect(modes['/etc/hosts']).toMatchObject({ mode: 0o700, nlink: 2 });
    expect(modes['/etc/motd']!.mode).toBe(0o640);
    expect(o.json<{ mode: number }[]>(['ls', 'web', '/private'])).toEqual([]);
    expect(o.json<{ mode: number }[]>(['ls', 'web', '/srv/data/host.txt'])[0]!.mode).toBe(0o600);
    // The image did not change.
    expect(o.ok(['cat', 'base:1', '/etc/motd'])).toBe('Welcome\n');
  });

  it('reports file errors with the path and the reason, and a failed command changes nothing', () => {
    expect(o(['write', 'web', '/etc', 'x']).stderr).toBe('overlay: write /etc: illegal operation on a directory\n');
    expect(o(['mkdir', 'web', '/etc']).stderr).toBe('overlay: mkdir /etc: file already exists\n');
    expect(o(['mkdir', 'web', '/no/such/dir']).stderr).toBe('overlay: mkdir /no/such/dir: no such file or directory\n');
    expect(o(['rm', 'web', '/usr']).stderr).toBe('overlay: rm /usr: illegal operation on a directory\n');
    expect(o(['ln', 'web', '/etc', '/etc2']).stderr).toBe('overlay: ln /etc -> /etc2: operation not permitted\n');
    expect(o(['mv', 'web', '/nope', '/x']).stderr).toBe('overlay: mv /nope -> /x: no such file or directory\n');
    expect(o(['chmod', 'web', 'z+q', '/etc']).stderr).toBe('overlay: chmod: invalid mode: z+q\n');
    expect(o(['write', 'nobody', '/x', 'y']).stderr).toBe('overlay: write: no such container: nobody\n');
    expect(o(['rm', 'web', '/srv', 'not-absolute']).stderr).toMatch(/^overlay: rm: "not-absolute" is not an absolute path: .*did you mean \/not-absolute\?/);
    // rm of two paths where the second fails: the first is not removed either.
    expect(o(['rm', 'web', '/tmp/empty', '/tmp/missing']).code).toBe(1);
    expect(o.ok(['cat', 'web', '/tmp/empty'])).toBe('');
    expect(o(['rm', '-f', 'web', '/tmp/missing']).code).toBe(0);
  });

  it('deletes lower files (whiteouts), replaces directories (opaque) and explains it', () => {
    o.ok(['rm', 'web', '/bin/ls']);
    o.ok(['rm', '-r', 'web', '/usr/share/doc']);
    o.ok(['mkdir', 'web', '/usr/share/doc']);
    o.ok(['write', 'web', '/usr/share/doc/NOTES', 'notes']);
    expect(o.ok(['ls', 'web', '/usr/share/doc'])).toBe('NOTES\n');
    const motd = o.ok(['explain', 'web', '/etc/motd']);
    expect(motd).toMatch(/^\/etc\/motd: file, from upper \(container web, writable\)\n {2}copied up: /);
    expect(motd).toMatch(/layer 0 \(overlay import rootfs\)\s+file\s+hidden\s+hidden by file \/etc\/motd in the upper layer/);
    expect(o.ok(['explain', 'web', '/bin/ls'])).toMatch(/^\/bin\/ls: does not exist in this view\n[\s\S]*upper \(container web, writable\)\s+whiteout\s+deletes/);
    expect(o.ok(['explain', 'web', '/usr/share/doc'])).toMatch(/opaque dir\s+provides/);
    expect(o.ok(['explain', 'web', '/usr/share/doc/README'])).toMatch(/hidden by opaque dir \/usr\/share\/doc in the upper layer/);
    const json = o.json<{ exists: boolean; copiedUp: boolean; providedBy: string }>(['explain', 'web', '/etc/motd']);
    expect(json).toMatchObject({ exists: true, copiedUp: true, providedBy: 'upper' });
    expect(o.ok(['explain', 'base:1', '/etc/motd'])).toMatch(/^\/etc\/motd: file, from layer 0/);
  });

  it('moves a lower directory by copying it (EXDEV without redirect_dir), like mv(1)', () => {
    const r = o(['mv', 'web', '/var/log', '/var/journal']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^overlay: mv: \/var\/log is a directory from a lower layer: rename\(2\) says EXDEV/);
    expect(o.ok(['ls', 'web', '/var'])).toBe('journal/\n');
  });

  it('diffs like docker diff and draws the stack', () => {
    expect(o.ok(['diff', 'web'])).toBe(
      [
        'C /bin',
        'D /bin/ls',
        'C /etc',
        'C /etc/hosts',
        'A /etc/hosts.hard',
        'C /etc/motd',
        'A /motd-link',
        'A /private',
        'A /srv',
        'A /srv/a',
        'A /srv/a/b',
        'A /srv/a/c',
        'A /srv/data',
        'A /srv/data/host.txt',
        'C /tmp',
        'A /tmp/empty',
        'A /tmp/from-stdin',
        'C /usr',
        'C /usr/share',
        'C /usr/share/doc',
        'D /usr/share/doc/LICENSE',
        'A /usr/share/doc/NOTES',
        'D /usr/share/doc/README',
        'C /var',
        'A /var/journal',
        'D /var/log',
        '',
      ].join('\n'),
    );
    expect(o.json<{ kind: string; path: string }[]>(['diff', 'web'])[0]).toEqual({ kind: 'C', path: '/bin' });
    const stack = o.ok(['stack', 'web']);
    expect(stack).toMatch(/^ {2}container web: the merged view\n/);
    expect(stack).toMatch(/┌─ upper \(container web, writable\) ─+┐\n│ - \/bin\/ls +│/);

    expect(stack).toMatch(/┌─ layer 0 \(overlay import rootfs\) ─+ [0-9a-f]{12} ─┐/);
    expect(stack).toContain('… and ');
    const all = o.ok(['stack', '--all', 'web']);
    expect(all).not.toContain('… and ');
    expect(all).toContain('│ ▒ /usr/share/doc/  (opaque: lower contents hidden)');
    expect(all).toContain('│ + /usr/share/doc/NOTES');
    const json = o.json<{ layer: string | number; changes: { deleted: string[] } }[]>(['stack', 'web']);
    expect(json.map((b) => b.layer)).toEqual(['upper', 0]);
    expect(json[0]!.changes.deleted).toEqual(['/bin/ls', '/var/log']);
  });

  it('commits a container into an image with a history entry, and exports trees', () => {
    const before = o.ok(['diff', 'web']);
    const committed = o.json<{ id: string; names: string[]; diffId: string; emptyLayer: boolean }>(['commit', 'web', 'app:2', '-m', 'web changes', '--author', 'Ada <ada@example.org>']);
    expect(committed.names).toEqual(['app:2']);
    expect(committed.emptyLayer).toBe(false);
    expect(o.ok(['diff', 'web'])).toBe(before); // the container carries on as it was
    const history = o.ok(['history', 'app:2']).split('\n');
    expect(history[1]).toMatch(/^[0-9a-f]{12}\s+\S.*\s+overlay commit web\s+\S+\s+web changes$/);
    expect(history[2]).toMatch(/^<missing>|^[0-9a-f]{12}/);
    const [info] = o.json<{ Author: string; History: { author?: string; comment?: string; created_by?: string }[]; RootFS: { Layers: string[] } }[]>(['inspect', 'app:2']);
    expect(info!.Author).toBe('Ada <ada@example.org>');
    expect(info!.History.at(-1)).toMatchObject({ author: 'Ada <ada@example.org>', comment: 'web changes', created_by: 'overlay commit web' });
    expect(info!.RootFS.Layers.at(-1)).toBe(committed.diffId);
    // An image of the commit shows what the container showed.
    o.ok(['create', 'app:2', '--name', 'again']);
    expect(o.ok(['diff', 'again'])).toBe('');
    expect(o.ok(['ls', '-R', 'again', '/usr/share'])).toBe('doc/\ndoc/NOTES\n');
    // A commit with no changes adds an empty_layer history entry and no layer.
    const empty = o.json<{ diffId: string | null; emptyLayer: boolean }>(['commit', 'again', 'app:3', '--created-by', 'nothing']);
    expect(empty).toMatchObject({ diffId: null, emptyLayer: true });
    const [three] = o.json<{ RootFS: { Layers: string[] }; History: { empty_layer?: boolean }[] }[]>(['inspect', 'app:3']);
    expect(three!.RootFS.Layers).toEqual(info!.RootFS.Layers);
    expect(three!.History.at(-1)!.empty_layer).toBe(true);
    expect(o.ok(['history', 'app:3']).split('\n')[1]).toMatch(/nothing\s+0B/);
    // Export: container and committed image give the same tree.
    o.ok(['export', 'web', '-o', 'web.tar']);
    const fromImage = o(['export', 'app:2']).stdoutBytes;
    writeFileSync(join(o.dir, 'app2.tar'), fromImage);
    expect(readFileSync(join(o.dir, 'web.tar'))).toEqual(fromImage);
    const listing = sh('tar -tf web.tar | sort', o.dir);
    expect(listing).toContain('usr/share/doc/NOTES');
    expect(listing).not.toContain('README');
    expect(listing).not.toContain('.wh.');
    expect(o.json<{ entries: number }>(['export', 'app:2', '-o', 'x.tar']).entries).toBeGreaterThan(10);
  });

  it('refuses to remove an image a container uses, unless forced', () => {
    const r = o(['rmi', 'app:2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('overlay: rmi: image app:2 is used by container again; remove the container first or use --force\n');
    const json = o.json<{ containers: { name: string }[] }>(['rm', 'again']);
    expect(json.containers.map((c) => c.name)).toEqual(['again']);
    expect(o.ok(['rmi', 'app:2'])).toMatch(/^Untagged: app:2\n/);
  });
});
