/** save / load through the built binary: both archive formats, stdin, gzip, directories, errors. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, sh, type Overlay } from './helpers.js';

let o: Overlay;
let appId: string;

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  mkdirSync(join(o.dir, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(join(o.dir, 'rootfs', 'etc', 'motd'), 'base\n');
  o.ok(['import', 'rootfs', 'base:1']);
  o.ok(['create', 'base:1', '--name', 'c']);
  o.ok(['rm', 'c', '/etc/motd']);
  o.ok(['write', '-p', 'c', '/app/run', 'echo hi']);
  appId = o.json<{ id: string }>(['commit', 'c', 'team/app:1.0']).id;
}, HOOK_TIMEOUT);

describe('save and load', { timeout: TEST_TIMEOUT }, () => {
  it('saves a Docker 25+ archive (docker-archive and OCI layout in one tar) and loads it elsewhere', () => {
    o.ok(['save', 'team/app:1.0', '-o', 'app.tar']);
    const members = sh('tar -tf app.tar', o.dir).trim().split('\n');
    expect(members).toEqual(expect.arrayContaining(['manifest.json', 'index.json', 'oci-layout', 'repositories']));
    const manifest = JSON.parse(sh('tar -xOf app.tar manifest.json', o.dir));
    expect(manifest).toHaveLength(1);
    expect(manifest[0].RepoTags).toEqual(['team/app:1.0']);
    expect(manifest[0].Config).toBe(`blobs/sha256/${appId.slice(7)}`);
    // Layer blobs are uncompressed: their digest is their DiffID.
    const [info] = o.json<{ RootFS: { Layers: string[] } }[]>(['inspect', 'team/app:1.0']);
    expect(manifest[0].Layers).toEqual(info!.RootFS.Layers.map((d) => `blobs/sha256/${d.slice(7)}`));
    const other = overlayIn();
    expect(other.ok(['load', '-i', join(o.dir, 'app.tar')])).toBe(`Loaded image: team/app:1.0 (${appId.slice(7, 19)})\n`);
    expect(other.ok(['ls', 'team/app:1.0', '/app'])).toBe('run\n');
    expect(other(['cat', 'team/app:1.0', '/etc/motd']).stderr).toBe('overlay: cat /etc/motd: no such file or directory\n');
    // Loading again stores nothing new.
    const blobs = sh(`ls ${other.store}/blobs/sha256 | wc -l`, other.dir);
    other.ok(['load', join(o.dir, 'app.tar')]);
    expect(sh(`ls ${other.store}/blobs/sha256 | wc -l`, other.dir)).toBe(blobs);
  });

  it('saves a pure OCI layout tar with the stored gzip blobs, and saves several images', () => {
    o.ok(['save', '--format', 'oci', 'team/app:1.0', 'base:1', '-o', 'oci.tar']);
    const members = sh('tar -tf oci.tar', o.dir);
    expect(members).not.toContain('manifest.json');
    const index = JSON.parse(sh('tar -xOf oci.tar index.json', o.dir));
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name']).sort()).toEqual(['base:1', 'team/app:1.0']);
    const storeIndex = JSON.parse(readFileSync(join(o.store, 'index.json'), 'utf8'));
    expect(index.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual(storeIndex.manifests.map((m: { digest: string }) => m.digest).sort());
    const other = overlayIn();
    const loaded = other.json<{ id: string; names: string[] }[]>(['load', join(o.dir, 'oci.tar')]);
    expect(loaded.map((l) => l.names[0]).sort()).toEqual(['base:1', 'team/app:1.0']);
    expect(loaded.find((l) => l.names[0] === 'team/app:1.0')!.id).toBe(appId);
  });

  it('loads from stdin, gzip-compressed archives, OCI layout directories, with --tag', () => {
    sh('gzip -kf app.tar && mkdir -p layout && tar -xf oci.tar -C layout', o.dir);
    const a = overlayIn();
    expect(a.ok(['load'], { input: readFileSync(join(o.dir, 'app.tar.gz')) })).toMatch(/^Loaded image: team\/app:1.0/);
    const b = overlayIn();
    expect(b.ok(['load', join(o.dir, 'layout')]).trim().split('\n').sort()).toEqual([
      expect.stringMatching(/^Loaded image: base:1 /),
      expect.stringMatching(/^Loaded image: team\/app:1.0 /),
    ]);
    const c = overlayIn();
    expect(c.ok(['load', '-i', join(o.dir, 'app.tar'), '--tag', 'renamed:7'])).toMatch(/^Loaded image: renamed:7 /);
    expect(c(['load', join(o.dir, 'oci.tar'), '--tag', 'x']).stderr).toBe('overlay: load: --tag needs an archive with exactly one image (this one has 2)\n');
    // Saved by ID: no names, as docker save does.
    o.ok(['save', appId.slice(7, 19), '-o', 'by-id.tar']);
    expect(JSON.parse(sh('tar -xOf by-id.tar manifest.json', o.dir))[0].RepoTags).toBeNull();
    const d = overlayIn();
    expect(d.ok(['load', join(o.dir, 'by-id.tar')])).toBe(`Loaded image ID: ${appId}\n`);
    expect(d.ok(['images'])).toMatch(/^<none>\s+<none>\s+/m);
  });

  it('refuses damaged archives with one line and leaves the store as it was', () => {
    writeFileSync(join(o.dir, 'junk.tar'), 'not an archive');
    const junk = o(['load', 'junk.tar']);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/^overlay: load: [^\n]+\n$/);
    // A layer whose bytes do not match its DiffID.
    sh('mkdir -p bad && tar -xf app.tar -C bad', o.dir);
    const manifest = JSON.parse(readFileSync(join(o.dir, 'bad', 'manifest.json'), 'utf8'));
    writeFileSync(join(o.dir, 'bad', manifest[0].Layers[1]), readFileSync(join(o.dir, 'bad', manifest[0].Layers[0])));
    sh('rm bad/index.json && tar -cf bad.tar -C bad .', o.dir);
    const other = overlayIn();
    other.ok(['images']); // the store exists: its first command says it was created
    const bad = other(['load', 'bad.tar'], { cwd: o.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^overlay: load: layer does not match its DiffID: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\n$/);
    expect(other.json<unknown[]>(['images'])).toEqual([]);
    expect(o(['load', 'missing.tar']).stderr).toBe('overlay: load missing.tar: no such file or directory\n');
    expect(o(['save', 'nope:1', '-o', 'x.tar']).stderr).toBe('overlay: save: no such image: nope:1\n');
    expect(o(['save', 'base:1', '--format', 'zip']).code).toBe(2);
  });
});
