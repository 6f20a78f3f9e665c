/**
 * One registry's HTTP exchanges through the global `fetch` (Node 20 and browsers alike): the
 * challenge and its answer (auth.ts), retries of transient failures with backoff and
 * `Retry-After`, redirects followed by hand so `Authorization` never goes to another host, and
 * every failure as one line naming the registry, the repository and the registry's code
 * (errors.ts).
 */
import { basicAuthorization, parseChallenge, parseTokenResponse, type Challenge, type Credentials, type Token } from './auth.js';
import { codeOfStatus, errorBodyCode, networkCode, registryError } from './errors.js';

export interface RegistryClientOptions {
  /** `host[:port]`. */
  registry: string;
  /** `http://` instead of `https://` (a loopback registry without TLS). */
  plainHttp?: boolean;
  credentials?: Credentials;
  fetch?: typeof globalThis.fetch;
  /** How many times a transient failure is retried (default 4). */
  retries?: number;
  /** The first backoff in milliseconds, doubled each retry (default 250). */
  backoffMs?: number;
  /** The longest `Retry-After` honoured, in milliseconds (default 60 s). */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Blobs above this many bytes are uploaded in chunks (default 64 MiB). */
  chunkThreshold?: number;
  /** Bytes per `PATCH` of a chunked upload (default 16 MiB). */
  chunkSize?: number;
  /**
   * Uploads a blob as one streamed `PATCH` (a request body stream: Node's fetch; browsers only
   * over HTTP/2), resumed in chunks after a break: as skopeo uploads, and on loopback a 100 MB
   * body streamed took 0.6 to 2 s where one buffered body took 5 s (a loaded machine).
   */
  streamUploads?: boolean;
}

export interface Call {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path on the registry (`/v2/…`) or an absolute URL (a `Location`), used as given. */
  url: string;
  repository?: string;
  /** The token scope the call needs (auth.ts `repositoryScope`). */
  scope?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Transient failures are retried unless false (a `PATCH` is resumed instead: blobs.ts). */
  retry?: boolean;
}

const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export class RegistryClient {
  readonly registry: string;
  readonly base: string;
  readonly chunkThreshold: number;
  readonly chunkSize: number;
  readonly streamUploads: boolean;
  readonly #fetch: typeof globalThis.fetch;
  readonly #credentials: Credentials | undefined;
  readonly #retries: number;
  readonly #backoff: number;
  readonly #maxRetryAfter: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  /** How the registry asked to be answered: Basic, or Bearer from a realm. */
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, Token>();
  /** Token requests in flight, by scope. */
  readonly #fetching = new Map<string, Promise<boolean>>();

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.base = `${options.plainHttp === true ? 'http' : 'https'}://${options.registry}`;
    this.chunkThreshold = options.chunkThreshold ?? 64 << 20;
    this.chunkSize = options.chunkSize ?? 16 << 20;
    this.streamUploads = options.streamUploads ?? false;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#credentials = options.credentials;
    this.#retries = options.retries ?? 4;
    this.#backoff = options.backoffMs ?? 250;
    this.#maxRetryAfter = options.maxRetryAfterMs ?? 60_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
  }

  /** An absolute URL: a `Location` is used exactly as returned, resolved only when relative. */
  resolve(url: string, against = this.base): string {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : new URL(url, against).href;
  }

  /** A registry error for this call's repository. */
  error(call: Pick<Call, 'repository'>, code: string, detail: string, status?: number): Error {
    return registryError({ registry: this.registry, repository: call.repository, code, ...(status === undefined ? {} : { status }) }, detail);
  }

  /** Throws the registry's error for an answer the caller did not expect (its body read). */
  async fail(call: Pick<Call, 'repository' | 'method' | 'url'>, res: Response): Promise<never> {
    const text = call.method === 'HEAD' ? '' : await res.text().catch(() => '');
    const parsed = errorBodyCode(text);
    throw this.error(call, parsed?.code ?? codeOfStatus(res.status), parsed?.message ?? `${call.method} ${res.status} ${res.statusText}`.trim(), res.status);
  }

  /** Sends the call, answering one challenge, retrying transient failures, following redirects. */
  async send(call: Call): Promise<Response> {
    let url = this.resolve(call.url);
    let answered = false;
    let redirects = 0;
    for (let attempt = 0; ; ) {
      const sameHost = new URL(url).host === this.registry;
      const headers: Record<string, string> = { ...call.headers };
      const authorization = sameHost ? await this.#authorization(call) : undefined;
      if (authorization !== undefined) headers['authorization'] = authorization;
      let res: Response;
      try {
        const body = call.body === undefined ? {} : call.body instanceof ReadableStream ? { body: call.body, duplex: 'half' } : { body: call.body as Uint8Array<ArrayBuffer> };
        res = await this.#fetch(url, { method: call.method, headers, ...body, redirect: 'manual' } as RequestInit);
      } catch (error) {
        const { code, detail } = networkCode(error);
        if (call.retry !== false && attempt < this.#retries) {
          await this.#sleep(this.#backoff * 2 ** attempt++);
          continue;
        }
        throw this.error(call, code, detail);
      }
      if (res.status === 401 && sameHost && !answered) {
        answered = true;
        const challenge = parseChallenge(res.headers.get('www-authenticate'));
        await res.body?.cancel();
        if (challenge !== undefined && (await this.#answer(challenge, call))) continue;
        throw this.error(call, 'UNAUTHORIZED', this.#credentials === undefined ? 'authentication required: overlay login' : 'the credentials were refused', 401);
      }
      if (TRANSIENT.has(res.status) && call.retry !== false && attempt < this.#retries) {
        const wait = retryAfterMs(res.headers.get('retry-after'), this.#now()) ?? this.#backoff * 2 ** attempt;
        await res.body?.cancel();
        attempt++;
        await this.#sleep(Math.min(wait, this.#maxRetryAfter));
        continue;
      }
      const location = res.headers.get('location');
      if (REDIRECT.has(res.status) && location !== null && (call.method === 'GET' || call.method === 'HEAD') && redirects < 5) {
        await res.body?.cancel();
        redirects++;
        url = this.resolve(location, url);
        continue;
      }
      return res;
    }
  }

  /** The `Authorization` for a call, renewing an expired token. */
  async #authorization(call: Call): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') return this.#credentials === undefined ? undefined : basicAuthorization(this.#credentials);
    const key = call.scope ?? '';
    const token = this.#tokens.get(key);
    if (token !== undefined && token.expiresAt > this.#now()) return `Bearer ${token.token}`;
    // A scope not asked for yet, or an expired token: fetched now rather than after a 401, and
    // once for all the calls that need it meanwhile (a push checks its blobs all at once).
    let fetching = this.#fetching.get(key);
    if (fetching === undefined) {
      fetching = this.#fetchToken(challenge, call).finally(() => this.#fetching.delete(key));
      this.#fetching.set(key, fetching);
    }
    return (await fetching) ? `Bearer ${this.#tokens.get(key)!.token}` : undefined;
  }

  /** Takes the challenge; whether the call is worth sending again. */
  async #answer(challenge: Challenge, call: Call): Promise<boolean> {
    this.#challenge = challenge;
    if (challenge.scheme === 'basic') return this.#credentials !== undefined;
    return this.#fetchToken(challenge, call);
  }

  async #fetchToken(challenge: Challenge, call: Call): Promise<boolean> {
    const realm = challenge.params['realm'];
    if (realm === undefined) return false;
    const url = new URL(realm);
    if (challenge.params['service'] !== undefined) url.searchParams.set('service', challenge.params['service']);
    for (const scope of (call.scope ?? challenge.params['scope'] ?? '').split(' ')) if (scope !== '') url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (this.#credentials !== undefined) headers['authorization'] = basicAuthorization(this.#credentials);
    let res: Response;
    try {
      res = await this.#fetch(url.href, { headers });
    } catch (error) {
      const { code, detail } = networkCode(error);
      throw this.error(call, code, `token service ${url.host}: ${detail}`);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const parsed = errorBodyCode(text);
      throw this.error(call, parsed?.code ?? codeOfStatus(res.status), `token service ${url.host}: ${parsed?.message ?? `${res.status} ${res.statusText}`.trim()}`, res.status);
    }
    const token = parseTokenResponse(await res.text(), this.#now());
    if (token === undefined) throw this.error(call, 'UNAUTHORIZED', `token service ${url.host} answered without a token`);
    this.#tokens.set(call.scope ?? '', token);
    return true;
  }
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date (RFC 9110, "Retry-After"). */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
