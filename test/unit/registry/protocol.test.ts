/**
 * The registry protocol against a scripted fake registry (issue 15, "A scripted fake registry"):
 * the client's fetch is a function that answers from a script, and each test asserts our exact
 * request sequence for one behaviour the OCI distribution spec allows.
 */
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import { MediaTypes, encodeJson } from '../../../src/image/index.js';
import { RegistryClient, blobChunks, getManifest, pushImage, startUpload, uploadBlob, type RegistryClientOptions } from '../../../src/registry/index.js';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  accept?: string;
  range?: string;
  bodyBytes: number;
}

type Handler = (req: Seen & { headers: Record<string, string> }) => Response;

/** A client whose every request goes to `handler`; `seen` lists them as `METHOD url`. */
function fake(handler: Handler, options: Partial<RegistryClientOptions> = {}): { client: RegistryClient; seen: Seen[]; sleeps: number[]; lines: () => string[] } {
  const seen: Seen[] = [];
  const sleeps: number[] = [];
  const client = new RegistryClient({
    registry: 'reg.test:5000',
    plainHttp: true,
    retries: 3,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
    fetch: async (input, init) => {
      const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
      const body = init?.body as Uint8Array | undefined;
      const req: Seen = { method: init?.method ?? 'GET', url: String(input), bodyBytes: body?.length ?? 0 };
      if (headers['authorization'] !== undefined) req.authorization = headers['authorization'];
      if (headers['accept'] !== undefined) req.accept = headers['accept'];
      if (headers['content-range'] !== undefined) req.range = headers['content-range'];
      seen.push(req);
      return handler({ ...req, headers });
    },
  });
  return { client, seen, sleeps, lines: () => seen.map((s) => `${s.method} ${s.url}`) };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const blob = bytes('hello, registry');
const digest = sha256Digest(blob);
const source = { digest, size: blob.length, open: async function* (offset: number) { yield blob.subarray(offset); } };
const R = (status: number, headers: Record<string, string> = {}, body?: string): Response => new Response(status === 204 || status === 202 || body === undefined ? null : body, { status, headers });

describe('uploads', () => {
  it('a relative Location is resolved against the request and gets ?digest=', async () => {
    const { client, lines } = fake((r) => (r.method === 'POST' ? R(202, { location: '/v2/team/app/blobs/uploads/u1' }) : R(201)));
    const start = await startUpload(client, 'team/app');
    expect(start).toEqual({ mounted: false, location: 'http://reg.test:5000/v2/team/app/blobs/uploads/u1' });
    if (start.mounted) throw new Error('unreachable');
    await uploadBlob(client, 'team/app', start.location, source);
    expect(lines()).toEqual(['POST http://reg.test:5000/v2/team/app/blobs/uploads/', `PUT http://reg.test:5000/v2/team/app/blobs/uploads/u1?digest=${encodeURIComponent(digest)}`]);
  });

  it('an absolute Location that has a query is used as returned, with &digest=', async () => {
    const location = 'http://reg.test:5000/v2/team/app/blobs/uploads/u2?_state=a%2Bb%3D&x=1';
    const { client, lines } = fake((r) => (r.method === 'POST' ? R(202, { location }) : R(201)));
    const start = await startUpload(client, 'team/app');
    if (start.mounted) throw new Error('unreachable');
    await uploadBlob(client, 'team/app', start.location, source);
    expect(lines()[1]).toBe(`PUT ${location}&digest=${encodeURIComponent(digest)}`);
  });

  it('202 on a mount means "upload instead", at the Location it gives', async () => {
    const manifestBytes = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest, size: blob.length }, layers: [] });
    const { client, lines } = fake((r) => {
      if (r.method === 'GET' && r.url.endsWith('/v2/')) return R(200);
      if (r.method === 'HEAD') return R(404);
      if (r.method === 'POST') return R(202, { location: '/v2/team/app/blobs/uploads/m1' });
      return R(201);
    });
    const report = await pushImage(client, 'team/app', 'v1', { manifestBytes, manifestDigest: sha256Digest(manifestBytes), config: { mediaType: MediaTypes.ociConfig, digest, size: blob.length }, layers: [], blob: () => source.open(0) }, { mountFrom: () => ['team/base'] });
    expect(lines()).toEqual([
      'GET http://reg.test:5000/v2/',
      `HEAD http://reg.test:5000/v2/team/app/blobs/${digest}`,
      'HEAD http://reg.test:5000/v2/team/app/manifests/v1',
      `POST http://reg.test:5000/v2/team/app/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=team%2Fbase`,
      `PUT http://reg.test:5000/v2/team/app/blobs/uploads/m1?digest=${encodeURIComponent(digest)}`,
      'PUT http://reg.test:5000/v2/team/app/manifests/v1',
    ]);
    expect(report.blobs.map((b) => `${b.kind} ${b.outcome}`)).toEqual(['config sent', 'manifest sent']);
  });

  it('every blob and the tag are asked about before anything is sent; a re-push of what is there sends nothing more', async () => {
    const layers = ['one', 'two', 'three'].map((text) => ({ mediaType: MediaTypes.ociLayerGzip, digest: sha256Digest(bytes(text)), size: text.length }));
    const config = { mediaType: MediaTypes.ociConfig, digest, size: blob.length };
    const manifestBytes = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers });
    const manifestDigest = sha256Digest(manifestBytes);
    const contents = new Map([...['one', 'two', 'three'].map((text) => [sha256Digest(bytes(text)), bytes(text)] as const), [digest, blob]]);
    const image = { manifestBytes, manifestDigest, config, layers, blob: async function* (d: string) { yield contents.get(d)!; } };
    const url = (d: string): string => `HEAD http://reg.test:5000/v2/team/app/blobs/${d}`;
    // The registry has the second layer only: the first and third layers, the config and the manifest are sent.
    const partly = fake((r) => (r.method === 'GET' ? R(200) : r.method === 'HEAD' ? R(r.url.endsWith(layers[1]!.digest) ? 200 : 404) : r.method === 'POST' ? R(202, { location: '/v2/team/app/blobs/uploads/u' }) : R(201)));
    await pushImage(partly.client, 'team/app', 'v1', image);
    const sent = partly.lines();
    expect(sent.slice(0, 6).sort()).toEqual(['GET http://reg.test:5000/v2/', ...layers.map((l) => url(l.digest)), url(digest), 'HEAD http://reg.test:5000/v2/team/app/manifests/v1'].sort());
    // The two missing layers (uploaded side by side), then the config, then the manifest.
    expect(sent.slice(6, 10).map((line) => line.split(' ')[0]).sort()).toEqual(['POST', 'POST', 'PUT', 'PUT']);
    expect(sent.slice(10, 12).map((line) => line.split(' ')[0])).toEqual(['POST', 'PUT']);
    expect(sent[11]).toMatch(`digest=${encodeURIComponent(digest)}`);
    expect(sent.slice(12)).toEqual(['PUT http://reg.test:5000/v2/team/app/manifests/v1']);

    // All there, behind a Bearer challenge: one token for the lot, then one round of HEADs.
    let tokens = 0;
    const again = fake((r) => {
      if (r.url.startsWith('http://auth.test/token')) return R(200, {}, JSON.stringify({ token: `t${++tokens}`, expires_in: 300 }));
      if (r.authorization === undefined) return R(401, { 'www-authenticate': 'Bearer realm="http://auth.test/token",service="reg.test"' });
      return r.url.includes('/manifests/') ? R(200, { 'docker-content-digest': manifestDigest }) : R(200);
    });
    const report = await pushImage(again.client, 'team/app', 'v1', image);
    expect(tokens).toBe(2); // the ping's (no scope), then the repository's, once
    expect(again.lines().filter((line) => line.startsWith('HEAD'))).toHaveLength(5);
    expect(again.lines().filter((line) => !line.startsWith('HEAD') && !line.startsWith('GET'))).toEqual([]);
    expect(report.bytes).toBe(0);
    expect(report.blobs.map((b) => b.outcome)).toEqual(['exists', 'exists', 'exists', 'exists', 'exists']);
  });

  it('a chunked upload answered 416 asks where the upload stands and resumes from there', async () => {
    const big = new Uint8Array(10).map((_, i) => i);
    const bigDigest = sha256Digest(big);
    let patches = 0;
    const { client, seen } = fake(
      (r) => {
        if (r.method === 'PATCH') {
          patches++;
          if (patches === 2) return R(416);
          return R(202, { location: `/v2/a/blobs/uploads/c${patches}` });
        }
        if (r.method === 'GET') return R(204, { range: '0-3', location: '/v2/a/blobs/uploads/s' });
        return R(201);
      },
      { chunkThreshold: 4, chunkSize: 4 },
    );
    await uploadBlob(client, 'a', 'http://reg.test:5000/v2/a/blobs/uploads/c0', { digest: bigDigest, size: 10, open: async function* (offset) { yield big.subarray(offset); } });
    expect(seen.map((s) => `${s.method} ${s.url.replace('http://reg.test:5000', '')} ${s.range ?? ''}`.trim())).toEqual([
      'PATCH /v2/a/blobs/uploads/c0 0-3',
      'PATCH /v2/a/blobs/uploads/c1 4-7',
      'GET /v2/a/blobs/uploads/c1',
      'PATCH /v2/a/blobs/uploads/s 4-7',
      'PATCH /v2/a/blobs/uploads/c3 8-9',
      `PUT /v2/a/blobs/uploads/c4?digest=${encodeURIComponent(bigDigest)}`,
    ]);
  });
});

describe('streamed uploads', () => {
  it('one streamed PATCH then PUT; after a break, GET <Location> and chunks from the offset it gives', async () => {
    const big = new Uint8Array(10).map((_, i) => i);
    const bigDigest = sha256Digest(big);
    let first = true;
    const { client, seen } = fake(
      (r) => {
        if (r.method === 'PATCH' && first) {
          first = false;
          throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET', message: 'socket hang up' } });
        }
        if (r.method === 'PATCH') return R(202, { location: '/v2/a/blobs/uploads/after' });
        if (r.method === 'GET') return R(204, { range: '0-5', location: '/v2/a/blobs/uploads/resumed' });
        return R(201);
      },
      { streamUploads: true, chunkSize: 8 },
    );
    await uploadBlob(client, 'a', 'http://reg.test:5000/v2/a/blobs/uploads/s0?_state=x', { digest: bigDigest, size: 10, open: async function* (offset) { yield big.subarray(offset); } });
    expect(seen.map((s) => `${s.method} ${s.url.replace('http://reg.test:5000', '')} ${s.range ?? ''}`.trim())).toEqual([
      'PATCH /v2/a/blobs/uploads/s0?_state=x',
      'GET /v2/a/blobs/uploads/s0?_state=x',
      'PATCH /v2/a/blobs/uploads/resumed 6-9',
      `PUT /v2/a/blobs/uploads/after?digest=${encodeURIComponent(bigDigest)}`,
    ]);
  });
});

describe('manifests', () => {
  const index = encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] });
  const registry: Handler = (r) => (r.accept?.includes(MediaTypes.ociIndex) === true ? R(200, { 'content-type': MediaTypes.ociIndex }, new TextDecoder().decode(index)) : R(404, {}, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'));

  it('every manifest request carries Accept: an index is 404 without it', async () => {
    const { client, seen } = fake(registry);
    const got = await getManifest(client, 'team/app', 'v1');
    expect(got?.digest).toBe(sha256Digest(index));
    expect(got?.mediaType).toBe(MediaTypes.ociIndex);
    expect(seen[0]!.accept).toBe([MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList].join(', '));
    // The same registry, asked without the index type, has nothing.
    expect(registry({ ...seen[0]!, accept: MediaTypes.ociManifest, headers: {} }).status).toBe(404);
  });

  it('a missing Docker-Content-Digest is allowed; a body that does not match a digest reference is refused', async () => {
    const { client } = fake(registry);
    await expect(getManifest(client, 'team/app', sha256Digest(index))).resolves.toBeDefined();
    await expect(getManifest(client, 'team/app', `sha256:${'0'.repeat(64)}`)).rejects.toThrow(/registry reg\.test:5000, repository team\/app: DIGEST_INVALID/);
  });
});

describe('auth, retries, redirects, errors', () => {
  it('a Bearer challenge: the token is fetched from the realm with service and scope, and renewed when it expires', async () => {
    let now = 0;
    let tokens = 0;
    const { client, seen } = fake(
      (r) => {
        if (r.url.startsWith('http://auth.test/token')) return R(200, {}, JSON.stringify({ token: `t${++tokens}`, expires_in: 10 }));
        if (r.authorization === undefined) return R(401, { 'www-authenticate': 'Bearer realm="http://auth.test/token",service="reg.test",scope="repository:team/app:pull"' });
        return R(200, { 'content-length': '3' });
      },
      { now: () => now },
    );
    await blobChunks(client, 'team/app', digest).next();
    now = 20_000;
    await blobChunks(client, 'team/app', digest).next();
    expect(seen.map((s) => `${s.method} ${s.url} ${s.authorization ?? '-'}`)).toEqual([
      `GET http://reg.test:5000/v2/team/app/blobs/${digest} -`,
      'GET http://auth.test/token?service=reg.test&scope=repository%3Ateam%2Fapp%3Apull -',
      `GET http://reg.test:5000/v2/team/app/blobs/${digest} Bearer t1`,
      'GET http://auth.test/token?service=reg.test&scope=repository%3Ateam%2Fapp%3Apull -',
      `GET http://reg.test:5000/v2/team/app/blobs/${digest} Bearer t2`,
    ]);
  });

  it('429 with Retry-After waits that long, a bounded number of times', async () => {
    let calls = 0;
    const { client, sleeps } = fake(() => (++calls < 3 ? R(429, { 'retry-after': '2' }) : R(200, { 'content-length': '1' })));
    await blobChunks(client, 'a', digest).next();
    expect(sleeps).toEqual([2000, 2000]);
    const always = fake(() => R(429, { 'retry-after': '1' }, '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'));
    await expect(blobChunks(always.client, 'a', digest).next()).rejects.toThrow('registry reg.test:5000, repository a: TOOMANYREQUESTS (slow down)');
    expect(always.sleeps).toEqual([1000, 1000, 1000]);
  });

  it('a blob GET redirected to another host is followed without Authorization', async () => {
    const { client, seen } = fake(
      (r) => {
        if (r.url.startsWith('http://cdn.test/')) return R(200, {}, 'x');
        if (r.authorization === undefined) return R(401, { 'www-authenticate': 'Basic realm="r"' });
        return R(307, { location: 'http://cdn.test/blob?sig=1' });
      },
      { credentials: { username: 'u', password: 'p' } },
    );
    for await (const _ of blobChunks(client, 'a', digest));
    expect(seen.map((s) => `${s.url} ${s.authorization ?? '-'}`)).toEqual([
      `http://reg.test:5000/v2/a/blobs/${digest} -`,
      `http://reg.test:5000/v2/a/blobs/${digest} Basic ${btoa('u:p')}`,
      'http://cdn.test/blob?sig=1 -',
    ]);
  });

  it('errors are one line naming the registry, the repository and the code', async () => {
    const denied = fake(() => R(403, {}, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'));
    await expect(blobChunks(denied.client, 'team/app', digest).next()).rejects.toThrow(/^registry reg\.test:5000, repository team\/app: DENIED \(requested access to the resource is denied\)$/);
    const refused = fake(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } });
    });
    await expect(blobChunks(refused.client, 'team/app', digest).next()).rejects.toThrow('registry reg.test:5000, repository team/app: CONNECTION_REFUSED (connection refused)');
    expect(refused.sleeps).toEqual([250, 500, 1000]);
    const unauthorized = fake(() => R(401, { 'www-authenticate': 'Basic realm="r"' }));
    await expect(blobChunks(unauthorized.client, 'team/app', digest).next()).rejects.toThrow('registry reg.test:5000, repository team/app: UNAUTHORIZED (authentication required: overlay login)');
  });
});
