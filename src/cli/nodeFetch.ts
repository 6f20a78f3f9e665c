/**
 * The registry client's `fetch` (RegistryClientOptions.fetch) on Node's own http and https
 * modules. Node 20's global fetch is undici, which Node loads and compiles on the first call:
 * about 0.1 s of CPU, a third of a no-op re-push (README, registry "Speed"), where node:http is
 * already part of Node's startup snapshot. It does what the client asks of fetch and no more: a
 * method, headers, a body (bytes, or a stream sent chunked), redirects left to the caller
 * (`redirect: 'manual'`, src/registry/transport.ts follows them by hand), no content encoding
 * asked for; and it fails as fetch does, with a TypeError whose `cause` is Node's error (the
 * `code` errors.ts `networkCode` reads: ECONNREFUSED, a TLS code).
 *
 * Reached through `process.getBuiltinModule`, as registryAccess.ts reaches node:v8: the page's
 * build (scripts/web-build.mjs) has no node:http, and there `nodeFetch()` is undefined and the
 * browser's fetch is used.
 */
import type { IncomingMessage } from 'node:http';
import { concatBytes } from '../layer/index.js';

type Http = typeof import('node:http');
type Https = typeof import('node:https');
type Stream = typeof import('node:stream');

/** Network chunks (16 to 64 KiB) a response body holds before the socket is paused. */
const BODY_CHUNKS = 4;

/** Where the executable leaves NODE_EXTRA_CA_CERTS's file when it kept it from Node's start. */
const DEFERRED_CA_CERTS = Symbol.for('overlay.deferredExtraCaCerts');

/**
 * The certificate authorities for an https connection when the executable (dist/cli/overlay.cjs,
 * scripts/cli-build.mjs) kept NODE_EXTRA_CA_CERTS from Node's start: Node's own roots plus that
 * file's, which is what Node would have trusted. Undefined otherwise (Node's defaults, which
 * already hold the file when Node read it at start). An unreadable file is skipped with Node's
 * own warning, as Node skips it.
 */
function extraCaCerts(load: (id: string) => unknown): string[] | undefined {
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_CA_CERTS];
  if (typeof file !== 'string') return undefined;
  const { readFileSync } = load('node:fs') as typeof import('node:fs');
  const { rootCertificates } = load('node:tls') as typeof import('node:tls');
  try {
    return [...rootCertificates, readFileSync(file, 'latin1')];
  } catch (error) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(error as Error).message}`);
    return undefined;
  }
}

/** A `fetch` on node:http and node:https, or undefined where Node's modules are not at hand. */
export function nodeFetch(): typeof globalThis.fetch | undefined {
  const host = globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined;
  const load = host?.getBuiltinModule;
  if (load === undefined) return undefined;
  const http = load('node:http') as Http | undefined;
  const stream = load('node:stream') as Stream | undefined;
  if (http === undefined || stream === undefined) return undefined;
  // Keep-alive: a transfer's requests share connections, as fetch's do. Idle sockets do not
  // keep the process alive (the agent unrefs them). node:https (with tls) is loaded for the
  // first https URL: a registry on loopback over plain HTTP never needs it.
  const plain = new http.Agent({ keepAlive: true });
  let tls: { https: Https; agent: import('node:https').Agent } | undefined;
  const secureClient = (): NonNullable<typeof tls> => {
    if (tls === undefined) {
      const https = load('node:https') as Https;
      const ca = extraCaCerts(load);
      tls = { https, agent: new https.Agent({ keepAlive: true, ...(ca !== undefined && { ca }) }) };
    }
    return tls;
  };

  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const secure = url.protocol === 'https:';
      const method = (init?.method ?? 'GET').toUpperCase();
      const headers: Record<string, string> = {};
      for (const [name, value] of headerEntries(init?.headers)) headers[name.toLowerCase()] = value;
      const body = init?.body ?? undefined;
      if (body instanceof Uint8Array) headers['content-length'] = String(body.length);
      else if (body !== undefined && !(body instanceof ReadableStream)) throw new TypeError('nodeFetch: a body is bytes or a ReadableStream');
      const failed = (error: unknown): void => reject(new TypeError('fetch failed', { cause: error }));
      const answered = (res: IncomingMessage): void => resolve(responseOf(res, method));
      const tlsClient = secure ? secureClient() : undefined;
      const request = tlsClient === undefined ? http.request(url, { method, headers, agent: plain }, answered) : tlsClient.https.request(url, { method, headers, agent: tlsClient.agent }, answered);
      // After the answer came, a broken connection fails its body instead (webBody).
      request.on('error', failed);
      // Bytes or nothing are tested first: naming the global ReadableStream makes Node load its
      // web streams, which a request without a streamed body never needs.
      if (body === undefined || body instanceof Uint8Array) {
        request.end(body);
      } else {
        // pipeline: a failed request also cancels the body's source (a blob file being read).
        const source = stream.Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
        stream.pipeline(source, request, () => undefined);
      }
    });
}

function headerEntries(headers: HeadersInit | undefined): [string, string][] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map(([name, value]) => [name!, value!]);
  if (typeof (headers as Headers).forEach === 'function') {
    const out: [string, string][] = [];
    (headers as Headers).forEach((value, name) => out.push([name, value]));
    return out;
  }
  return Object.entries(headers as Record<string, string>);
}

/** The part of `Response` the registry client reads: status, headers, and the body once. */
function responseOf(res: IncomingMessage, method: string): Response {
  const status = res.statusCode ?? 0;
  // RFC 9110, "HEAD" and "204 No Content": no content; read to its end so the socket is reused.
  const hasBody = method !== 'HEAD' && status !== 204 && status !== 304;
  if (!hasBody) res.resume();
  let body: ReadableStream<Uint8Array> | null | undefined = hasBody ? undefined : null;
  const bodyStream = (): ReadableStream<Uint8Array> | null => (body === undefined ? (body = webBody(res)) : body);
  const bytes = async (): Promise<Uint8Array> => {
    if (body === undefined) {
      // Read from the message itself: no web stream (Node loads that machinery on first use).
      body = null;
      const parts: Uint8Array[] = [];
      for await (const chunk of res as AsyncIterable<Buffer>) parts.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      return concatBytes(parts);
    }
    const stream = bodyStream();
    if (stream === null) return new Uint8Array(0);
    const parts: Uint8Array[] = [];
    const reader = stream.getReader();
    for (let next = await reader.read(); next.done !== true; next = await reader.read()) parts.push(next.value);
    // A lone chunk comes back as it is: `arrayBuffer` copies out its own range.
    return concatBytes(parts);
  };
  const response = {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: {
      get(name: string): string | null {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : String(value);
      },
      has(name: string): boolean {
        return res.headers[name.toLowerCase()] !== undefined;
      },
    },
    get body() {
      return bodyStream();
    },
    text: async () => new TextDecoder().decode(await bytes()),
    arrayBuffer: async () => {
      const b = await bytes();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
    },
  };
  return response as unknown as Response;
}

/**
 * A response's body as a web stream that pauses the socket while a few chunks wait (Node 20's
 * `Readable.toWeb` counts its high-water mark in chunks of the socket's 16 KiB mark, so it would
 * hold thousands), and fails when the connection breaks before the end.
 */
function webBody(res: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
          if ((controller.desiredSize ?? 0) <= 0) res.pause();
        });
        res.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        const broke = (error?: Error): void => {
          if (settled) return;
          settled = true;
          controller.error(error ?? new Error('the connection closed before the body ended'));
        };
        res.once('error', broke);
        res.once('close', () => {
          if (!res.complete) broke();
        });
      },
      pull() {
        res.resume();
      },
      cancel() {
        settled = true;
        res.destroy();
      },
    },
    { highWaterMark: BODY_CHUNKS },
  );
}
