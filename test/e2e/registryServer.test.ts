import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRegistry, startRegistry, type RunningRegistry } from './registryServer.js';

describe.skipIf(!hasRegistry())('the test registry', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: true });
  });
  afterAll(async () => registry?.stop());

  it('listens on loopback only and asks for credentials', async () => {
    const res = await fetch(`${registry.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="overlay-test"/);
    const ok = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('tester:s3cret-pass').toString('base64')}` } });
    expect(ok.status).toBe(200);
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
