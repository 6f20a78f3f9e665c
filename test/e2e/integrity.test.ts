/**
 * A store that tells the truth (issue 10), through the built binary: a damaged blob, image or
 * container is reported by `fsck`, named in errors with how to repair it, removable, and does
 * not stop the commands on the rest of the store.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, overlayIn, type Overlay } from './helpers.js';

beforeAll(ensureBuilt, HOOK_TIMEOUT);

const blobPath = (o: Overlay, digest: string): string => join(o.store, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));

function twoImages(): { o: Overlay; app: { Id: string; manifest: string; layer: string } } {
  const o = overlayIn();
  mkdirSync(join(o.dir, 'root', 'etc'), { recursive: true });
  writeFileSync(join(o.dir, 'root', 'etc', 'motd'), 'hi\n');
  o.ok(['import', 'root', 'base:1']);
  o.ok(['create', 'base:1', '--name', 'c']);
  o.ok(['write', 'c', '/app', 'app\n']);
  o.ok(['commit', 'c', 'app:1']);
  const index = JSON.parse(readFileSync(join(o.store, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const manifest = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'app:1')!.digest;
  const parsed = JSON.parse(readFileSync(blobPath(o, manifest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  return { o, app: { Id: parsed.config.digest, manifest, layer: parsed.layers.at(-1)!.digest } };
}

describe('a store that tells the truth', { timeout: TEST_TIMEOUT }, () => {
  it('an edited config: not shown under its old ID, fsck names it, rmi -f removes it, the rest works', () => {
    const { o, app } = twoImages();
    expect(o.ok(['fsck'])).toContain('store is clean');
    const path = blobPath(o, app.Id);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"created"', '"created" ').replace(/^\{/, '{ '));
    expect(o.ok(['images', '-q']).trim().split('\n')).toHaveLength(1);
    expect(o.ok(['cat', 'c', '/app'])).toBe('app\n');
    const fsck = o(['fsck']);
    expect(fsck.code).toBe(1);
    expect(fsck.stdout).toMatch(/damaged image [0-9a-f]{12} \(app:1\): config sha256:[0-9a-f]{64} does not match its digest/);
    expect(fsck.stdout).toContain(`corrupt blob ${app.Id}`);
    o.ok(['rmi', '-f', 'app:1']);
    expect(existsSync(path)).toBe(false);
    expect(o.ok(['fsck'])).toContain('store is clean');
  });

  it('a flipped byte in a layer gzip header fails save with the blob and the repair named, leaving no file', () => {
    const { o, app } = twoImages();
    const path = blobPath(o, app.layer);
    const bytes = readFileSync(path);
    bytes[4] = bytes[4]! ^ 1; // the gzip header's mtime: the tar inside is unchanged
    writeFileSync(path, bytes);
    for (const format of ['oci', 'docker']) {
      const save = o(['save', 'app:1', '--format', format, '-o', 'out.tar']);
      expect(save.code).toBe(1);
      expect(save.stderr).toContain(`layer ${app.layer} does not match its digest`);
      expect(save.stderr).toContain('overlay fsck');
      expect(readdirSync(o.dir).filter((n) => n.startsWith('out.tar'))).toEqual([]);
    }
    expect(o(['fsck']).stdout).toContain(`damaged image ${app.manifest.slice(7, 19)} (app:1): blob ${app.layer} does not match its digest`);
  });

  it('an invalid container.json: ps and the other containers work, rm -f removes it', () => {
    const { o } = twoImages();
    const id = 'cd'.repeat(32);
    mkdirSync(join(o.store, 'containers', id));
    writeFileSync(join(o.store, 'containers', id, 'container.json'), '{"name":');
    expect(o.json<{ name: string }[]>(['ps']).map((c) => c.name)).toEqual(['c']);
    expect(o.ok(['cat', 'c', '/app'])).toBe('app\n');
    const fsck = o(['fsck']);
    expect(fsck.code).toBe(1);
    expect(fsck.stdout).toContain(`damaged container ${id.slice(0, 12)}`);
    expect(fsck.stdout).toContain(`overlay rm -f ${id.slice(0, 12)}`);
    // While it may still name blobs, no blob is deleted, and rmi and prune say why.
    const held = `no blobs were deleted: container ${id.slice(0, 12)} cannot be read, and may still use them (overlay fsck lists the damage and what can be dropped)`;
    for (const verb of [['prune'], ['rmi', 'app:1']]) {
      const r = o(verb);
      expect(r.code, verb.join(' ')).toBe(0);
      expect(r.stderr).toBe(`overlay: ${held}\n`);
    }
    o.ok(['rm', '-f', id.slice(0, 12)]);
    expect(existsSync(join(o.store, 'containers', id))).toBe(false);
    expect(o.ok(['fsck'])).toContain('store is clean');
  });
});
