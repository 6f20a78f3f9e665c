/**
 * The registry client's fetch on node:http (src/cli/nodeFetch.ts) does what the client asks of
 * the global fetch: status and headers, a body read once or cancelled, HEAD without a body,
 * bytes and streamed request bodies, redirects not followed, and failures as fetch reports them
 * (a TypeError whose cause carries Node's code, which src/registry/errors.ts maps).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from '../../../src/cli/nodeFetch.js';
import { networkCode } from '../../../src/registry/errors.js';

const fetch = nodeFetch()!;
let server: Server;
let base: string;
const seen: { method: string; url: string; headers: Record<string, unknown>; body: Buffer }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) });
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        // 4 MiB in 64 KiB writes: more than the reader's queue holds.
        for (let i = 0; i < 64; i++) res.write(Buffer.alloc(65536, i));
        res.end();
      } else if (req.url === '/redirect') {
        res.writeHead(307, { location: '/elsewhere' });
        res.end();
      } else if (req.url === '/broken') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.writeHead(req.url === '/missing' ? 404 : 201, 'Made', { 'docker-content-digest': 'sha256:abc', 'www-authenticate': 'Basic realm="r"' });
        res.end(req.method === 'HEAD' ? undefined : `you sent ${parts.reduce((n, p) => n + p.length, 0)} bytes`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('nodeFetch', () => {
  it('sends the method, headers and a body of bytes; gives status, headers and the body as text', async () => {
    const res = await fetch(`${base}/upload`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(5) });
    expect([res.status, res.statusText, res.ok]).toEqual([201, 'Made', true]);
    expect(res.headers.get('Docker-Content-Digest')).toBe('sha256:abc');
    expect(res.headers.get('range')).toBeNull();
    expect(await res.text()).toBe('you sent 5 bytes');
    const last = seen.at(-1)!;
    expect([last.method, last.headers['content-type'], last.headers['content-length']]).toEqual(['PUT', 'application/octet-stream', '5']);
  });

  it('streams a ReadableStream body (chunked) and reads a long answer chunk by chunk', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(1000));
        controller.close();
      },
    });
    const res = await fetch(`${base}/patch`, { method: 'PATCH', body, duplex: 'half' } as RequestInit);
    expect(await res.text()).toBe('you sent 3000 bytes');
    expect(seen.at(-1)!.headers['transfer-encoding']).toBe('chunked');
    const big = await fetch(`${base}/big`);
    let total = 0;
    let sum = 0;
    const reader = big.body!.getReader();
    for (let next = await reader.read(); next.done !== true; next = await reader.read()) {
      total += next.value.length;
      for (let i = 0; i < next.value.length; i += 65536) sum += next.value[i]!;
    }
    expect(total).toBe(64 * 65536);
    expect(sum).toBeGreaterThan(0);
  });

  it('HEAD and 404 answers: no body for HEAD, the error body readable, a body cancelled', async () => {
    const head = await fetch(`${base}/x`, { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([201, null]);
    const missing = await fetch(`${base}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
    expect(await missing.text()).toBe('you sent 0 bytes');
    const big = await fetch(`${base}/big`);
    await big.body!.cancel();
  });

  it('leaves redirects to the caller', async () => {
    const res = await fetch(`${base}/redirect`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([307, '/elsewhere']);
  });

  it('fails as fetch does: a refused connection is CONNECTION_REFUSED, a body cut short an error on read', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetch(`http://127.0.0.1:${freePort}/v2/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(networkCode(error).code).toBe('CONNECTION_REFUSED');
    const broken = await fetch(`${base}/broken`);
    await expect(broken.arrayBuffer()).rejects.toThrow();
  });
});
