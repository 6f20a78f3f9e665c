/**
 * Registry failures as one line that names the registry, the repository and the registry's
 * error code (OCI distribution-spec, "Error Codes"): `UNAUTHORIZED`, `DENIED`,
 * `MANIFEST_BLOB_UNKNOWN`, `NAME_UNKNOWN`, `TOOMANYREQUESTS`, … or, when the registry was not
 * reached, what stopped the connection.
 */
import { DomainError } from '../errors/index.js';

export interface RegistryErrorData {
  registry: string;
  repository: string | undefined;
  /** The registry's error code, or `CONNECTION_REFUSED`, `TLS`, `NETWORK`, `HTTP_<status>`. */
  code: string;
  status?: number;
}

export function registryError(data: RegistryErrorData, detail: string): DomainError {
  const where = data.repository === undefined ? `registry ${data.registry}` : `registry ${data.registry}, repository ${data.repository}`;
  return new DomainError('RegistryError', `${where}: ${data.code}${detail === '' ? '' : ` (${detail})`}`, { ...data });
}

/** The first error of a registry's JSON error body, `{"errors":[{"code","message"}]}`. */
export function errorBodyCode(body: string): { code: string; message: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first !== undefined && typeof first.code === 'string') return { code: first.code, message: typeof first.message === 'string' ? first.message : '' };
  } catch {
    // Not JSON: an HTML page from a proxy, an empty body.
  }
  return undefined;
}

/** The registry's code when its body has none, from the HTTP status. */
export function codeOfStatus(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'TOOMANYREQUESTS';
    default:
      return `HTTP_${status}`;
  }
}

/** What a failed `fetch` (no HTTP answer) was: refused, TLS, or another network failure. */
export function networkCode(error: unknown): { code: string; detail: string } {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const message = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return { code: 'CONNECTION_REFUSED', detail: 'connection refused' };
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /certificate|tls|ssl/i.test(message)) return { code: 'TLS', detail: `TLS failure: ${message}` };
  return { code: 'NETWORK', detail: code === '' ? message : `${code}: ${message}` };
}
