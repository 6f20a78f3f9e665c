/**
 * The store and our archives read by the real OCI tools, and images made by them read by us:
 * oci-image-tool validates the store, `umoci unpack` of an image we committed gives the tree
 * our `export` gives, and images made by umoci (with deleted files and directories in later
 * layers) and converted by skopeo to a docker-archive load with the same tree.
 *
 * The tools are the Debian packages skopeo, umoci and oci-image-tool. Without them these tests
 * are skipped locally, and fail when CI=true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, hasTool, overlayIn, sh, tempDir, type Overlay } from './helpers.js';
import { treeOf } from './tree.js';

const SKOPEO = hasTool('skopeo');
const UMOCI = hasTool('umoci');
const OCI_IMAGE_TOOL = hasTool('oci-image-tool');

let o: Overlay;

/** The tree of a flat rootfs tar, extracted by GNU tar (owners and modes kept). */
function tarTree(tarFile: string): ReturnType<typeof treeOf> {
  const dir = tempDir('overlay-tree-');
  sh(`tar --same-owner -xpf ${tarFile} -C ${dir}`, dir);
  return treeOf(dir);
}

function exportTree(ov: Overlay, target: string): ReturnType<typeof treeOf> {
  const file = join(ov.dir, `export-${target.replace(/[^a-z0-9]/gi, '_')}.tar`);
  ov.ok(['export', target, '-o', file]);
  return tarTree(file);
}

/** oci-image-tool validate of an image layout (`--type imageLayout`; Debian's 1.0.0-rc1 calls it `image`). */
function validateLayout(dir: string): string {
  const first = spawnSync('oci-image-tool', ['validate', '--type', 'imageLayout', dir], { encoding: 'utf8' });
  if (first.status === 0) return first.stdout + first.stderr;
  if (!/unimplemented|Type of the file to validate/.test(first.stdout + first.stderr)) throw new Error(`oci-image-tool: ${first.stdout}${first.stderr}`);
  return execFileSync('oci-image-tool', ['validate', '--type', 'image', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  await ensureBuilt();
  o = overlayIn();
  // A base image with the objects that make trees differ: modes, owners, symlinks, hard
  // links, empty and binary files, nested directories.
  const root = join(o.dir, 'rootfs');
  for (const d of ['etc/conf.d', 'bin', 'usr/share/doc', 'var/cache/apt', 'srv/www', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/motd'), 'Welcome\n');
  writeFileSync(join(root, 'etc/conf.d/a.conf'), 'a=1\n');
  writeFileSync(join(root, 'etc/empty'), '');
  writeFileSync(join(root, 'bin/busybox'), Buffer.alloc(70_000, 7), { mode: 0o755 });
  chmodSync(join(root, 'bin/busybox'), 0o4755);
  symlinkSync('busybox', join(root, 'bin/sh'));
  symlinkSync('/etc/motd', join(root, 'motd'));
  linkSync(join(root, 'etc/motd'), join(root, 'etc/motd.hard'));
  writeFileSync(join(root, 'usr/share/doc/README'), 'docs\n');
  writeFileSync(join(root, 'var/cache/apt/pkg.bin'), Buffer.alloc(3000, 1));
  writeFileSync(join(root, 'srv/www/index.html'), '<h1>hi</h1>\n');
  chmodSync(join(root, 'tmp'), 0o1777);
  sh('chown 1000:100 srv/www/index.html', root);
  o.ok(['import', 'rootfs', 'team/base:1']);
  o.ok(['create', 'team/base:1', '--name', 'c1']);
  o.ok(['write', 'c1', '/etc/motd', 'Changed\n']); // copy-up of a hard-linked file
  o.ok(['rm', 'c1', '/bin/sh']); // whiteout of a symlink
  o.ok(['rm', '-r', 'c1', '/var/cache/apt']); // whiteout of a directory
  o.ok(['rm', '-r', 'c1', '/usr/share/doc']);
  o.ok(['mkdir', 'c1', '/usr/share/doc']); // opaque directory
  o.ok(['write', 'c1', '/usr/share/doc/NOTES', 'notes\n']);
  o.ok(['chmod', 'c1', '600', '/etc/conf.d/a.conf']); // metadata-only change
  o.ok(['ln', '-s', 'c1', '../etc/motd', '/srv/motd']);
  o.ok(['commit', 'c1', 'team/app:1', '-m', 'first']);
  o.ok(['create', 'team/app:1', '--name', 'c2']);
  o.ok(['rm', '-r', 'c2', '/srv/www']);
  o.ok(['write', 'c2', '/srv/www', 'now a file\n']); // a directory replaced by a file
  o.ok(['rm', 'c2', '/usr/share/doc/NOTES']); // delete something an upper layer added
  o.ok(['commit', 'c2', 'team/app:2', '-m', 'second']);
  o.ok(['commit', 'c2', 'team/app:2', '-m', 'moved tag']); // leaves an untagged image
}, HOOK_TIMEOUT);

describe.skipIf(!OCI_IMAGE_TOOL)('oci-image-tool', { timeout: TEST_TIMEOUT }, () => {
  it('validates the store as an OCI image layout (with containers and an untagged image in it)', () => {
    expect(o.ok(['images'])).toMatch(/^<none>/m);
    expect(validateLayout(o.store)).toMatch(/Validation succeeded/);
  });

  it('validates the OCI layouts inside our saved archives', () => {
    for (const format of ['docker', 'oci']) {
      const dir = tempDir('overlay-saved-');
      o.ok(['save', '--format', format, 'team/app:1', 'team/base:1', '-o', join(dir, 'saved.tar')]);
      sh('mkdir layout && tar -xf saved.tar -C layout', dir);
      expect(validateLayout(join(dir, 'layout'))).toMatch(/Validation succeeded/);
    }
  });
});

describe.skipIf(!UMOCI)('umoci', { timeout: TEST_TIMEOUT }, () => {
  it('unpacks the images we committed to exactly the tree our export gives', () => {
    for (const image of ['team/base:1', 'team/app:1', 'team/app:2']) {
      const bundle = join(tempDir('overlay-umoci-'), 'bundle');
      execFileSync('umoci', ['unpack', '--image', `${o.store}:${image}`, bundle], { stdio: 'ignore' });
      const theirs = treeOf(join(bundle, 'rootfs'));
      const ours = exportTree(o, image);
      expect(ours).toEqual(theirs);
      expect(Object.keys(ours).length).toBeGreaterThan(10);
    }
    // The container view and its commit agree too.
    expect(exportTree(o, 'c2')).toEqual(exportTree(o, 'team/app:2'));
    const app2 = exportTree(o, 'team/app:2');
    expect(app2['/srv/www']).toMatchObject({ type: 'file', content: 'now a file\n' });
    expect(app2['/usr/share/doc']).toMatchObject({ type: 'dir' });
    expect(app2['/usr/share/doc/README']).toBeUndefined();
    expect(app2['/bin/sh']).toBeUndefined();
    expect(app2['/bin/busybox']).toMatchObject({ mode: '4755' });
    expect(app2['/etc/motd.hard']).toMatchObject({ content: 'Welcome\n' });
    expect(app2['/etc/motd']).toMatchObject({ content: 'Changed\n' });
  });

  it('loads an image made by umoci (deletions in later layers) with the same tree', () => {
    const work = tempDir('overlay-umoci-made-');
    const layout = join(work, 'layout');
    const run = (...args: string[]): void => void execFileSync('umoci', args, { cwd: work, stdio: 'ignore' });
    run('init', '--layout', layout);
    run('new', '--image', `${layout}:img`);
    run('unpack', '--image', `${layout}:img`, 'b1');
    sh('mkdir -p etc dir/sub dir2 && echo a > etc/a && echo b > etc/b && echo x > dir/x && echo z > dir/sub/z && echo y > dir2/y && echo k > keep && ln -s etc/a link && chmod 4711 keep', join(work, 'b1', 'rootfs'));
    run('repack', '--image', `${layout}:img`, 'b1');
    run('unpack', '--image', `${layout}:img`, 'b2');
    sh('rm etc/b && rm -rf dir && rm -rf dir2 && mkdir dir2 && echo new > dir2/new && echo A2 > etc/a && chmod 600 etc/a && ln etc/a etc/a.hard', join(work, 'b2', 'rootfs'));
    run('repack', '--image', `${layout}:img`, 'b2');
    run('unpack', '--image', `${layout}:img`, 'b3');
    sh('rm keep && chmod 700 etc && rm link && mkdir link && echo in > link/file', join(work, 'b3', 'rootfs'));
    run('repack', '--image', `${layout}:img`, 'b3');
    run('unpack', '--image', `${layout}:img`, 'final');
    const theirs = treeOf(join(work, 'final', 'rootfs'));
    expect(theirs['/dir']).toBeUndefined();
    expect(theirs['/link']).toMatchObject({ type: 'dir' });

    const ov = overlayIn();
    expect(ov.ok(['load', layout])).toMatch(/^Loaded image: img:latest /);
    expect(exportTree(ov, 'img')).toEqual(theirs);
    expect(ov.json<{ RootFS: { Layers: string[] } }[]>(['inspect', 'img'])[0]!.RootFS.Layers).toHaveLength(3);
    // A container on it sees the same; our commit on top unpacks in umoci again.
    ov.ok(['create', 'img', '--name', 'c']);
    ov.ok(['rm', '-r', 'c', '/dir2']);
    ov.ok(['commit', 'c', 'img:ours']);
    const bundle = join(work, 'ours');
    execFileSync('umoci', ['unpack', '--image', `${ov.store}:img:ours`, bundle], { stdio: 'ignore' });
    expect(exportTree(ov, 'img:ours')).toEqual(treeOf(join(bundle, 'rootfs')));
    if (SKOPEO) {
      // skopeo turns umoci's layout into a docker-archive (legacy <id>/layer.tar form).
      const archive = join(work, 'sk.tar');
      execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', `oci:${layout}:img`, `docker-archive:${archive}:img:v1`], { stdio: 'ignore' });
      const fromSkopeo = overlayIn();
      expect(fromSkopeo.ok(['load', '-i', archive])).toMatch(/^Loaded image: img:v1 /);
      expect(exportTree(fromSkopeo, 'img:v1')).toEqual(theirs);
    }
  });
});

describe.skipIf(!SKOPEO)('skopeo', { timeout: TEST_TIMEOUT }, () => {
  it('inspects the store and our archives, and copies them', () => {
    const index = JSON.parse(readFileSync(join(o.store, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'team/app:1')!;
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${o.store}:team/app:1`], { encoding: 'utf8' })) as { Digest: string; Layers: string[] };
    expect(inspected.Digest).toBe(entry.digest);
    expect(inspected.Layers).toHaveLength(2);

    const dir = tempDir('overlay-skopeo-');
    o.ok(['save', 'team/app:2', '-o', join(dir, 'docker.tar')]);
    const fromDocker = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${join(dir, 'docker.tar')}`], { encoding: 'utf8' })) as { RepoTags: string[]; Layers: string[] };
    expect(fromDocker.Layers).toHaveLength(3);
    const fromOciArchive = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${join(dir, 'docker.tar')}:team/app:2`], { encoding: 'utf8' })) as { Layers: string[] };
    expect(fromOciArchive.Layers).toHaveLength(3);
    // docker-archive → OCI layout by skopeo → our tree again.
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', `docker-archive:${join(dir, 'docker.tar')}`, `oci:${join(dir, 'copy')}:copied`], { stdio: 'ignore' });
    const back = overlayIn();
    back.ok(['load', join(dir, 'copy')]);
    expect(exportTree(back, 'copied')).toEqual(exportTree(o, 'team/app:2'));
  });
});
