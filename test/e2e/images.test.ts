/** The image verbs through the built binary: import, images, tag, history, inspect, layers, rmi, prune, df. */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainIds } from '../../src/digest/index.js';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, sh, type Overlay } from './helpers.js';

let o: Overlay;

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  const root = join(o.dir, 'rootfs');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'etc', 'motd'), 'hello\n');
  writeFileSync(join(root, 'bin', 'sh'), '#!sh\n', { mode: 0o755 });
  symlinkSync('sh', join(root, 'bin', 'bash'));
  sh('tar -cf rootfs.tar -C rootfs . && gzip -k rootfs.tar', o.dir);
}, HOOK_TIMEOUT);

describe('overlay images verbs', { timeout: TEST_TIMEOUT }, () => {
  it('has --help for the program and every verb, and one-line usage errors', () => {
    const help = o.ok(['--help']);
    const verbs = ['demo', 'import', 'images', 'history', 'inspect', 'layers', 'tag', 'rmi', 'save', 'load', 'create', 'ps', 'diff', 'commit', 'container', 'export', 'ls', 'cat', 'write', 'append', 'mkdir', 'mv', 'ln', 'chmod', 'touch', 'rm', 'explain', 'stack', 'df', 'prune'];
    for (const verb of verbs) expect(help).toContain(`overlay ${verb}`);
    for (const verb of ['import', 'commit', 'rm', 'save']) {
      const text = o.ok([verb, '--help']);
      expect(text).toMatch(new RegExp(`^overlay ${verb}`));
      expect(text).toContain('--json');
    }
    const unknown = o(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('overlay: unknown command "frobnicate"\nRun "overlay --help" for the list of commands.\n');
    const missing = o(['import']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('overlay: import: Missing required argument: source\nRun "overlay import --help" for usage.\n');
    expect(o.ok(['--version']).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('imports a directory, a tar, a gzip tar and stdin; same content, same DiffID', () => {
    const fromDir = o.json<{ id: string; diffId: string; names: string[] }>(['import', 'rootfs', 'base:dir', '-m', 'from a directory']);
    expect(fromDir.names).toEqual(['base:dir']);
    const fromTar = o.json<{ diffId: string }>(['import', 'rootfs.tar', 'base:tar']);
    const fromGz = o.json<{ diffId: string }>(['import', 'rootfs.tar.gz', 'base:gz']);
    expect(fromGz.diffId).toBe(fromTar.diffId);
    const stdinId = o.ok(['import', '-', 'base:stdin'], { input: readFileSync(join(o.dir, 'rootfs.tar.gz')) }).trim();
    expect(stdinId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(o.ok(['ls', '-R', 'base:stdin'])).toBe('bin/\nbin/bash -> sh\nbin/sh\netc/\netc/motd\n');
    expect(o.ok(['cat', 'base:dir', '/etc/motd'])).toBe('hello\n');
    expect(o.ok(['ls', 'base:tar', '/bin'])).toBe('bash -> sh\nsh\n');
    // Reproducible: the same tar with the same clock gives the same image ID in another store.
    const again = overlayIn();
    const id = again.json<{ id: string }>(['import', join(o.dir, 'rootfs.tar'), 'x']).id;
    expect(id).toBe(o.json<{ Id: string }[]>(['inspect', 'base:tar'])[0]!.Id);
  });

  it('reports import errors in one line', () => {
    const missing = o(['import', 'nope.tar', 'x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('overlay: import nope.tar: no such file or directory\n');
    writeFileSync(join(o.dir, 'junk.tar'), 'this is not a tar archive at all'.repeat(40));
    const junk = o(['import', 'junk.tar', 'x']);
    expect(junk.code).toBe(1);
    expect(junk.stderr.split('\n')).toHaveLength(2);
    expect(junk.stderr).toMatch(/^overlay: import: /);
    const name = o(['import', 'rootfs', 'Bad:Name!']);
    expect(name.stderr).toMatch(/^overlay: import: invalid image name "Bad:Name!"/);
  });

  it('lists images as a table, as JSON and as IDs', () => {
    const table = o.ok(['images']);
    expect(table.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+LAYERS\s+CONTENT SIZE\s+COMPRESSED SIZE$/);
    expect(table).toMatch(/^base\s+dir\s+[0-9a-f]{12}\s/m);
    const rows = o.json<{ repository: string; tag: string; id: string }[]>(['images']);
    expect(rows.map((r) => `${r.repository}:${r.tag}`)).toEqual(['base:dir', 'base:gz', 'base:stdin', 'base:tar']);
    const ids = o.ok(['images', '-q']).trim().split('\n');
    expect(ids.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);
  });

  it('tags, shows history and inspects images', () => {
    o.ok(['tag', 'base:dir', 'team/base:1.0']);
    const history = o.ok(['history', 'team/base:1.0']);
    expect(history.split('\n')[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+CONTENT SIZE\s+COMMENT$/);
    expect(history).toMatch(/overlay import rootfs\s+11B\s+from a directory/);
    const [info] = o.json<{ Id: string; RepoTags: string[]; RootFS: { Layers: string[] }; ChainIDs: string[]; History: { comment?: string }[] }[]>(['inspect', 'team/base:1.0']);
    expect(info!.RepoTags).toEqual(['base:dir', 'team/base:1.0']);
    expect(info!.ChainIDs).toEqual(chainIds(info!.RootFS.Layers));
    expect(info!.History[0]!.comment).toBe('from a directory');
    const missing = o(['inspect', 'ghost']);
    expect(missing.stderr).toBe('overlay: inspect: no such container or image: ghost\n');
    expect(o(['history', 'ghost:1']).stderr).toBe('overlay: history: no such image: ghost:1\n');
  });

  it('shows which images share which layer, and the bytes shared', () => {
    const layers = o.json<{ diffId: string; images: { names: string[] }[] }[]>(['layers']);
    const shared = layers.find((l) => l.images.length > 1)!;
    expect(shared.images.flatMap((i) => i.names)).toEqual(expect.arrayContaining(['base:tar', 'base:gz']));
    expect(o.ok(['layers'])).toMatch(/^DIFF ID\s+CONTENT SIZE\s+COMPRESSED SIZE\s+CREATED BY\s+SHARED BY\s+IMAGES$/m);
    const df = o.json<{ layers: { sharedBytes: number; uniqueBytes: number } }>(['df']);
    expect(df.layers.sharedBytes).toBeGreaterThan(0);
    expect(o.ok(['df', '-v'])).toMatch(/DISK SIZE\s+SHARED\s+UNIQUE/);
  });

  it('removes names and images, and only blobs nothing uses', () => {
    const before = sh(`ls ${o.store}/blobs/sha256 | wc -l`, o.dir).trim();
    // base:gz has its own config (its history names the .gz file) but shares its layer with
    // base:tar: the config and manifest go, the layer stays.
    expect(o.ok(['rmi', 'base:gz'])).toMatch(/^Untagged: base:gz\nDeleted: sha256:[0-9a-f]{64}\ndeleted 2 unused blobs \([\d.]+k?B\)\n$/);
    expect(Number(sh(`ls ${o.store}/blobs/sha256 | wc -l`, o.dir).trim())).toBe(Number(before) - 2);
    const several = o(['rmi', JSON.parse(o.ok(['inspect', 'base:dir']))[0].Id]);
    expect(several.code).toBe(1);
    expect(several.stderr).toMatch(/^overlay: rmi: image [0-9a-f]{12} has several names \(base:dir, team\/base:1.0\); remove them by name or use --force\n$/);
    const forced = o.json<{ untagged: string[]; deleted: string[] }[]>(['rmi', '-f', 'team/base:1.0']);
    expect(forced[0]!.untagged).toEqual(['team/base:1.0']);
    expect(o(['rmi', 'nothing:here']).stderr).toBe('overlay: rmi: no such image: nothing:here\n');
    const pruned = o.json<{ images: string[] }>(['prune']);
    expect(pruned.images).toEqual([]);
    expect(o.ok(['prune'])).toMatch(/^Total reclaimed space: 0B \(0 blobs\)$/m);
  });
});
