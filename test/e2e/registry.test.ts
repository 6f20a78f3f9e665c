/**
 * `overlay push` / `overlay pull` against Debian's docker-registry 2.8 on loopback (issue 15,
 * "A real registry in the tests"): round trips keep digests and trees, transfer savings are
 * counted on the registry's side (its access log), skopeo pushes what we pull and pulls what we
 * push, auth, errors, a corrupted blob on the registry's disk, and a registry killed mid-transfer.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, EPOCH, HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, hasTool, overlayIn, tempDir, type Overlay } from './helpers.js';
import { TEST_PASSWORD, TEST_USER, countingProxy, freePort, hasRegistry, startRegistry, type CountingProxy, type RunningRegistry } from './registryServer.js';
import { treeOf } from './tree.js';

const REGISTRY = hasRegistry();
const SKOPEO = hasTool('skopeo');
const UMOCI = hasTool('umoci');

interface Report {
  reference: string;
  digest: string;
  bytes: number;
  imageBytes: number;
  keptManifest?: boolean;
  blobs: { kind: string; outcome: string; from?: string; size: number }[];
}

/** Blob uploads the registry completed, and requests that carried blob bytes (its access log). */
function uploads(registry: RunningRegistry): number {
  return (registry.log().match(/"PUT \/v2\/[^"]*\/blobs\/uploads\/[^"]*digest=[^"]*" 201/g) ?? []).length;
}
function blobRequests(registry: RunningRegistry): number {
  return (registry.log().match(/"(?:PUT|PATCH) \/v2\/[^"]*\/blobs\/uploads\//g) ?? []).length;
}

function layerOutcomes(report: Report): string[] {
  return report.blobs.filter((b) => b.kind === 'layer').map((b) => b.outcome + (b.from === undefined ? '' : ` ${b.from}`));
}

function exportTree(o: Overlay, image: string): ReturnType<typeof treeOf> {
  const file = join(o.dir, `export-${Math.random().toString(36).slice(2)}.tar`);
  o.ok(['export', image, '-o', file]);
  const dir = join(o.dir, `tree-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  execFileSync('tar', ['-xpf', file, '-C', dir]);
  return treeOf(dir);
}

/** base:1 (two files) and app:1 (base + one layer) in a fresh store. */
function twoImages(): Overlay {
  const o = overlayIn();
  mkdirSync(join(o.dir, 'root', 'etc'), { recursive: true });
  writeFileSync(join(o.dir, 'root', 'etc', 'motd'), 'welcome\n');
  writeFileSync(join(o.dir, 'root', 'etc', 'big'), randomBytes(300_000));
  o.ok(['import', 'root', 'base:1']);
  o.ok(['create', 'base:1', '--name', 'c']);
  o.ok(['write', 'c', '/etc/app.conf', 'port=8080\n']);
  o.ok(['commit', 'c', 'app:1']);
  return o;
}

describe.skipIf(!REGISTRY)('push and pull with docker-registry', { timeout: TEST_TIMEOUT }, () => {
  let registry: RunningRegistry;
  let o: Overlay;
  let R: string;
  beforeAll(async () => {
    await ensureBuilt();
    registry = await startRegistry();
    R = registry.host;
    o = twoImages();
  }, HOOK_TIMEOUT);
  afterAll(async () => registry?.stop());

  it('push sends each layer once; pushing the same image again sends no blob bytes', () => {
    const first = o.json<Report>(['push', 'base:1', `${R}/team/base:1`, '--plain-http']);
    expect(layerOutcomes(first)).toEqual(['sent']);
    expect(first.digest).toBe(o.json<{ manifest: string }[]>(['inspect', 'base:1'])[0]!.manifest ?? first.digest);
    const before = uploads(registry);
    expect(before).toBe(2); // the layer and the config
    const requests = blobRequests(registry);
    const again = o.json<Report>(['push', 'base:1', `${R}/team/base:1`, '--plain-http']);
    expect(layerOutcomes(again)).toEqual(['exists']);
    expect(again.bytes).toBe(0);
    expect(blobRequests(registry)).toBe(requests);
  });

  it('a second image sharing the base sends only its new layer, mounting the base from the other repository', () => {
    o.ok(['tag', 'base:1', `${R}/team/base:1`]);
    const dry = o.json<Report>(['push', 'app:1', `${R}/team/app:1`, '--plain-http', '--dry-run']);
    expect(layerOutcomes(dry)).toEqual(['mounted team/base', 'planned']);
    const before = uploads(registry);
    const report = o.json<Report>(['push', 'app:1', `${R}/team/app:1`, '--plain-http']);
    expect(layerOutcomes(report)).toEqual([`mounted team/base`, 'sent']);
    const newLayer = report.blobs.filter((b) => b.kind === 'layer')[1]!.size;
    expect(report.bytes).toBeLessThan(newLayer + 4000);
    expect(uploads(registry) - before).toBe(2); // the new layer and the config
    // Tagged with the registry's name, both layers can come from team/app; a plan foresees it.
    o.ok(['tag', 'app:1', `${R}/team/app:1`]);
    expect(o.ok(['push', 'app:1', `${R}/team/other:1`, '--plain-http', '--dry-run'])).toMatch(/^would push 0 of 2 layers, \d+B of [\d.]+kB; 2 mounted from team\/(base|app)/m);
  });

  it('pull into an empty store keeps the manifest digest and the tree; into a store with the base, fetches only the new layer', () => {
    const pushed = o.json<Report>(['push', 'app:1', `${R}/team/app:1`, '--plain-http']);
    const p = overlayIn();
    const pulled = p.json<Report>(['pull', `${R}/team/app:1`, '--plain-http']);
    expect(pulled.digest).toBe(pushed.digest);
    expect(pulled.keptManifest).toBe(true);
    expect(p.ok(['images', '--digests'])).toContain(pushed.digest);
    expect(exportTree(p, `${R}/team/app:1`)).toEqual(exportTree(o, 'app:1'));
    // Pushed to another repository, the digests are unchanged.
    expect(p.json<Report>(['push', `${R}/team/app:1`, `${R}/team/copy:1`, '--plain-http']).digest).toBe(pushed.digest);

    const q = overlayIn();
    q.ok(['pull', `${R}/team/base:1`, '--plain-http']);
    const gets = (registry.log().match(/"GET \/v2\/team\/app\/blobs\/sha256:[0-9a-f]+ HTTP/g) ?? []).length;
    const second = q.json<Report>(['pull', `${R}/team/app:1`, '--plain-http']);
    expect(layerOutcomes(second)).toEqual(['present', 'received']);
    // The config and the one new layer.
    expect((registry.log().match(/"GET \/v2\/team\/app\/blobs\/sha256:[0-9a-f]+ HTTP/g) ?? []).length - gets).toBe(2);
  });

  it('an index: the registry answers 404 without Accept; pull takes this platform, or --platform', async () => {
    const app = o.json<Report>(['push', 'app:1', `${R}/team/app:1`, '--plain-http']);
    const base = o.json<Report>(['push', 'base:1', `${R}/team/app:base`, '--plain-http']);
    const child = async (digest: string): Promise<{ mediaType: string; digest: string; size: number }> => {
      const res = await fetch(`${registry.url}/v2/team/app/manifests/${digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: (await res.arrayBuffer()).byteLength };
    };
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { ...(await child(app.digest)), platform: { os: 'linux', architecture: 'amd64' } },
        { ...(await child(base.digest)), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    });
    const put = await fetch(`${registry.url}/v2/team/app/manifests/multi`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: index });
    expect(put.status).toBe(201);
    expect((await fetch(`${registry.url}/v2/team/app/manifests/multi`)).status).toBe(404);
    const p = overlayIn();
    expect(p.json<Report>(['pull', `${R}/team/app:multi`, '--plain-http'], { env: { OVERLAY_PLATFORM: 'linux/amd64' } }).digest).toBe(app.digest);
    expect(p.json<Report>(['pull', `${R}/team/app:multi`, '--plain-http', '--platform', 'linux/arm64'], { env: { OVERLAY_PLATFORM: 'linux/amd64' } }).digest).toBe(base.digest);
    expect(p(['pull', `${R}/team/app:multi`, '--plain-http', '--platform', 'windows/amd64']).stderr).toContain('has no image for windows/amd64 (it has linux/amd64, linux/arm64/v8): choose one with --platform');
  });

  it.skipIf(!SKOPEO || !UMOCI)('skopeo pulls what we pushed and umoci unpacks the tree our export gives', () => {
    const pushed = o.json<Report>(['push', 'app:1', `${R}/team/app:1`, '--plain-http']);
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${R}/team/app:1`], { encoding: 'utf8' })) as { Digest: string };
    expect(inspected.Digest).toBe(pushed.digest);
    const layout = join(tempDir('overlay-skopeo-'), 'layout');
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${R}/team/app:1`, `oci:${layout}:app`], { stdio: 'ignore' });
    const bundle = join(tempDir('overlay-umoci-'), 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${layout}:app`, bundle], { stdio: 'ignore' });
    expect(treeOf(join(bundle, 'rootfs'))).toEqual(exportTree(o, 'app:1'));
  });

  it.skipIf(!SKOPEO)('skopeo pushes (Docker schema2, zstd, uncompressed) what we pull, and each pulled image keeps its manifest digest', () => {

    const copy = (format: string[], tag: string): void => {
      execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', ...format, `oci:${o.store}:app:1`, `docker://${R}/skopeo/app:${tag}`], { stdio: 'ignore' });
    };
    copy(['--format', 'v2s2'], 'v2s2');
    // An image the registry has no blob of: skopeo would otherwise reuse the gzip blobs there.
    mkdirSync(join(o.dir, 'zroot', 'usr'), { recursive: true });
    writeFileSync(join(o.dir, 'zroot', 'usr', 'z'), 'zstd layer\n'.repeat(1000));
    o.ok(['import', 'zroot', 'zimg:1']);
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', '--dest-compress-format', 'zstd', '--dest-compress', '--format', 'oci', `oci:${o.store}:zimg:1`, `docker://${R}/skopeo/zstd:1`], { stdio: 'ignore' });
    expect(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${R}/skopeo/zstd:1`], { encoding: 'utf8' })).toContain('tar+zstd');
    const p = overlayIn();
    const v2s2 = p.json<Report>(['pull', `${R}/skopeo/app:v2s2`, '--plain-http']);
    expect(v2s2.keptManifest).toBe(true);
    expect(JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${R}/skopeo/app:v2s2`], { encoding: 'utf8' })).mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(exportTree(p, `${R}/skopeo/app:v2s2`)).toEqual(exportTree(o, 'app:1'));
    const z = overlayIn();
    const zstd = z.json<Report>(['pull', `${R}/skopeo/zstd:1`, '--plain-http']);
    const skopeoDigest = (ref: string): string => (JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${R}/${ref}`], { encoding: 'utf8' })) as { Digest: string }).Digest;
    // The zstd blob is kept as it came (the store decodes zstd), so the manifest is the registry's.
    expect(zstd.keptManifest).toBe(true);
    expect(zstd.digest).toBe(skopeoDigest('skopeo/zstd:1'));
    expect(z.ok(['images', '--digests'])).toContain(zstd.digest);
    expect(z.ok(['cat', `${R}/skopeo/zstd:1`, '/usr/z'])).toBe('zstd layer\n'.repeat(1000));
    // Read back from the blob: save decompresses it, and a push elsewhere keeps the digest.
    z.ok(['save', `${R}/skopeo/zstd:1`, '-o', join(z.dir, 'z.tar')]);
    expect(execFileSync('tar', ['-tf', join(z.dir, 'z.tar')], { encoding: 'utf8' })).toContain('manifest.json');
    expect(z.json<Report>(['push', `${R}/skopeo/zstd:1`, `${R}/team/zcopy:1`, '--plain-http']).digest).toBe(zstd.digest);
    // Uncompressed layers (blob digest = DiffID) are kept as they came too.
    // (save's docker format is an OCI layout with uncompressed layers, which skopeo keeps as they are.)
    o.ok(['save', 'app:1', '-o', join(o.dir, 'plain.tar')]);
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', '--preserve-digests', `oci-archive:${join(o.dir, 'plain.tar')}`, `docker://${R}/skopeo/plain:1`], { stdio: 'ignore' });
    expect(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${R}/skopeo/plain:1`], { encoding: 'utf8' })).toContain('"application/vnd.oci.image.layer.v1.tar"');
    const plain = z.json<Report>(['pull', `${R}/skopeo/plain:1`, '--plain-http']);
    expect(plain.keptManifest).toBe(true);
    expect(plain.digest).toBe(skopeoDigest('skopeo/plain:1'));
    expect(exportTree(z, `${R}/skopeo/plain:1`)).toEqual(exportTree(o, 'app:1'));
  });

  it('errors name the registry, the repository and the code', async () => {
    const p = overlayIn();
    p.ok(['images']);
    const unknown = p(['pull', `${R}/nobody/here:1`, '--plain-http']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(new RegExp(`registry ${R.replace(/\./g, '\\.')}, repository nobody/here: (NAME_UNKNOWN|MANIFEST_UNKNOWN)`));
    const missingTag = p(['pull', `${R}/team/app:nope`, '--plain-http']);
    expect(missingTag.stderr).toMatch(/repository team\/app: MANIFEST_UNKNOWN/);
    const closed = await freePort();
    const refused = p(['pull', `127.0.0.1:${closed}/team/app:1`, '--plain-http']);
    expect(refused.stderr.trim()).toBe(`overlay: pull: registry 127.0.0.1:${closed}, repository team/app: CONNECTION_REFUSED (connection refused)`);
  });

  it.skipIf(!SKOPEO)('a layer whose tar does not match the DiffID its config gives: the pull stores it, its first use refuses it in one line, fsck reports the image', () => {
    // An OCI layout whose config claims another DiffID for base:1's layer, pushed by skopeo
    // (which does not check DiffIDs when it copies from an OCI layout).
    const [layer] = o.json<{ Layers: { digest: string; size: number; diffId: string }[] }[]>(['inspect', 'base:1'])[0]!.Layers;
    const layout = join(tempDir('overlay-liar-'), 'layout');
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const put = (bytes: Buffer): string => {
      const hex = createHash('sha256').update(bytes).digest('hex');
      writeFileSync(join(blobs, hex), bytes);
      return `sha256:${hex}`;
    };
    writeFileSync(join(blobs, layer!.digest.slice(7)), readFileSync(join(o.store, 'blobs', 'sha256', layer!.digest.slice(7))));
    const claimed = `sha256:${'0'.repeat(63)}1`;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [claimed] } }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer!.digest, size: layer!.size }] }));
    const manifestDigest = put(manifest);
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'liar' } }] }));
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${layout}:liar`, `docker://${R}/team/liar:1`]);
    const p = overlayIn();
    const pulled = p.json<Report>(['pull', `${R}/team/liar:1`, '--plain-http']);
    expect(pulled.digest).toBe(manifestDigest);
    for (const args of [['ls', `${R}/team/liar:1`, '/'], ['export', `${R}/team/liar:1`, '-o', join(p.dir, 'out.tar')]]) {
      const refused = p(args);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(`overlay: ${args[0]}: layer ${layer!.digest} does not match its DiffID: expected ${claimed}, got ${layer!.diffId}; \`overlay fsck\` lists the image`);
    }
    const fsck = p(['fsck']);
    expect(fsck.code).toBe(1);
    expect(fsck.stdout).toContain(`layer blob ${layer!.digest} does not match its DiffID ${claimed}`);
    // As fsck says, it can be dropped; the store is clean again.
    p.ok(['rmi', '-f', `${R}/team/liar:1`]);
    expect(p.ok(['images', '-q'])).toBe('');
    expect(p.ok(['fsck'])).toContain('store is clean');
  });

  it('a blob corrupted on the registry\'s disk fails the pull with a digest error and leaves the store unchanged', () => {
    const pushed = o.json<Report>(['push', 'base:1', `${R}/team/corrupt:1`, '--plain-http']);
    const layer = o.json<{ manifest?: string }[]>(['inspect', 'base:1']);
    expect(layer).toBeDefined();
    const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${R}/team/corrupt:1`], { encoding: 'utf8' })) as { layers: { digest: string }[] };
    const hex = manifest.layers[0]!.digest.slice(7);
    const data = join(registry.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(data);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(data, bytes);
    const p = overlayIn();
    p.ok(['images']);
    const blobsBefore = readdirSync(join(p.store, 'blobs', 'sha256')).sort();
    const r = p(['pull', `${R}/team/corrupt:1`, '--plain-http']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match its (digest|DiffID)|gzip data is corrupt/);
    expect(readdirSync(join(p.store, 'blobs', 'sha256')).sort()).toEqual(blobsBefore);
    expect(p.ok(['images', '-q'])).toBe('');
    expect(pushed.digest).toMatch(/^sha256:/);
  });
});

describe.skipIf(!REGISTRY)('login and auth with docker-registry', { timeout: TEST_TIMEOUT }, () => {
  let registry: RunningRegistry;
  let o: Overlay;
  beforeAll(async () => {
    await ensureBuilt();
    registry = await startRegistry({ auth: true });
    o = twoImages();
  }, HOOK_TIMEOUT);
  afterAll(async () => registry?.stop());

  it('push without credentials is UNAUTHORIZED; a wrong password saves nothing; login, push, logout', () => {
    const R = registry.host;
    const anonymous = o(['push', 'base:1', `${R}/team/base:1`, '--plain-http']);
    expect(anonymous.stderr.trim()).toBe(`overlay: push: registry ${R}: UNAUTHORIZED (authentication required: overlay login)`);
    const authFile = join(o.dir, '.config', 'overlay', 'auth.json');
    const wrong = o(['login', R, '-u', TEST_USER, '--password-stdin', '--plain-http'], { input: 'wrong\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('UNAUTHORIZED');
    expect(existsSync(authFile)).toBe(false);
    const login = o.ok(['login', R, '-u', TEST_USER, '--password-stdin', '--plain-http'], { input: `${TEST_PASSWORD}\n` });
    expect(login).toContain('Login Succeeded');
    expect(login).not.toContain(TEST_PASSWORD);
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    const pushed = o.ok(['push', 'base:1', `${R}/team/base:1`, '--plain-http']);
    expect(pushed).toContain('pushed 1 of 1 layer');
    // Neither the store nor any output holds the password.
    expect(spawnSync('grep', ['-rl', TEST_PASSWORD, o.store]).status).toBe(1);
    expect(o.ok(['logout', R])).toContain(`Removed login credentials for ${R}`);
    expect(o(['pull', `${R}/team/base:1`, '--plain-http']).stderr).toContain('UNAUTHORIZED');
  });
});

describe.skipIf(!REGISTRY)('a registry killed mid-transfer', { timeout: TEST_TIMEOUT }, () => {
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let o: Overlay;
  /** The two layers of two:1: a small base, then a big layer (random bytes: gzip keeps their size). */
  let small: { digest: string; size: number };
  let big: { digest: string; size: number };
  beforeAll(async () => {
    await ensureBuilt();
    registry = await startRegistry();
    // 8 MB/s each way: the 12 MB layer takes over a second, so the kill lands mid-transfer.
    proxy = await countingProxy(registry.port, 8 << 20);
    o = overlayIn();
    mkdirSync(join(o.dir, 'base'));
    writeFileSync(join(o.dir, 'base', 'seed'), randomBytes(1 << 20));
    writeFileSync(join(o.dir, 'noise'), randomBytes(12 << 20));
    o.ok(['import', 'base', 'base:1']);
    o.ok(['create', 'base:1', '--name', 'c']);
    o.ok(['write', 'c', '/noise', '--from', join(o.dir, 'noise')]);
    o.ok(['commit', 'c', 'two:1']);
    const layers = o.json<{ Layers: { digest: string; size: number }[] }[]>(['inspect', 'two:1'])[0]!.Layers;
    [small, big] = [layers[0]!, layers[1]!];
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await proxy?.close();
    await registry?.stop();
  });

  /**
   * `overlay ARGS --json` in store `store`, run asynchronously: the proxy lives in this process,
   * so a command that goes through it must not block the event loop (spawnSync would).
   */
  async function viaProxy(args: string[], store: string): Promise<Report> {
    const child = spawn(process.execPath, [BIN, ...args, '--json'], { cwd: o.dir, env: { PATH: process.env['PATH'] ?? '', HOME: o.dir, OVERLAY_STORE: store, SOURCE_DATE_EPOCH: EPOCH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
    if (code !== 0) throw new Error(`overlay ${args.join(' ')} exited ${code}:\n${stderr}`);
    return JSON.parse(stdout) as Report;
  }

  /**
   * Runs overlay in the background; once `when` holds, kills the registry (or with `victim`
   * 'overlay', overlay itself, with SIGKILL); the exit code (-1 for a signal).
   */
  async function killWhen(args: string[], store: string, when: () => boolean, victim: 'registry' | 'overlay' = 'registry'): Promise<number> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: o.dir, env: { PATH: process.env['PATH'] ?? '', HOME: o.dir, OVERLAY_STORE: store, SOURCE_DATE_EPOCH: EPOCH }, stdio: 'ignore' });
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    for (let i = 0; i < 6000 && !when() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 5));
    expect(child.exitCode).toBe(null);
    if (victim === 'overlay') child.kill('SIGKILL');
    else await registry.kill();
    return exited;
  }

  it('a push interrupted by the registry dying completes when run again, sending only the blobs still missing', async () => {
    const P = proxy.host;
    const { storage, port } = registry;
    proxy.reset();
    const smallDone = new RegExp(`"PUT /v2/team/two/blobs/uploads/[^"]*digest=${small.digest.replace(':', '(?::|%3A)')}[^"]*" 201`);
    const code = await killWhen(['push', 'two:1', `${P}/team/two:1`, '--plain-http'], o.store, () => smallDone.test(registry.log()) && proxy.sent() > small.size + big.size / 3);
    expect(code).not.toBe(0);
    registry = await startRegistry({ storage, port });
    proxy.reset();
    const report = await viaProxy(['push', 'two:1', `${P}/team/two:1`, '--plain-http'], o.store);
    expect(layerOutcomes(report)).toEqual(['exists', 'sent']);
    expect(report.blobs.find((b) => b.kind === 'manifest')!.outcome).toBe('sent');
    // Counted on the wire: the big layer again whole (the registry refuses to resume an upload
    // whose body broke off, blobs.ts resumePoint), the config, the manifest and the requests; not the small layer.
    expect(proxy.sent()).toBeGreaterThanOrEqual(big.size);
    expect(proxy.sent()).toBeLessThan(big.size + 64_000);
    proxy.reset();
    expect((await viaProxy(['push', 'two:1', `${P}/team/two:1`, '--plain-http'], o.store)).bytes).toBe(0);
    expect(proxy.sent()).toBeLessThan(8_000);
  });

  it('a pull killed after one of its two layers is stored leaves no image, and run again fetches only the layer still missing', async () => {
    const P = proxy.host;
    const pushed = await viaProxy(['push', 'two:1', `${P}/team/two:1`, '--plain-http'], o.store);
    const p = overlayIn();
    p.ok(['images']);
    proxy.reset();
    // Killed once the small layer is stored (its blob is renamed into place once it met its
    // digest, src/store/resumedPull.ts) and a third of the big one is in. overlay is killed, not
    // the registry: a registry killed while sending may have handed the rest of the body to the
    // kernel's socket buffers already.
    const smallBlob = join(p.store, 'blobs', 'sha256', small.digest.slice('sha256:'.length));
    const code = await killWhen(['pull', `${P}/team/two:1`, '--plain-http'], p.store, () => existsSync(smallBlob) && proxy.received() > small.size + big.size / 3, 'overlay');
    expect(code).not.toBe(0);
    expect(p.ok(['images', '-q'])).toBe('');
    proxy.reset();
    const pulled = await viaProxy(['pull', `${P}/team/two:1`, '--plain-http'], p.store);
    expect(layerOutcomes(pulled)).toEqual(['present', 'received']);
    // Counted on the wire: the big layer, the manifest, the config and the requests; not the small layer.
    expect(proxy.received()).toBeGreaterThanOrEqual(big.size);
    expect(proxy.received()).toBeLessThan(big.size + 64_000);
    expect(pulled.digest).toBe(pushed.digest);
    expect(pulled.keptManifest).toBe(true);
    expect(exportTree(p, `${P}/team/two:1`)).toEqual(exportTree(o, 'two:1'));
  });
});
