/**
 * The registry's challenge (distribution "token authentication specification"; RFC 7235): a
 * `WWW-Authenticate` header asks for Basic credentials, or for a Bearer token fetched from
 * `realm` with `service` and `scope`, itself sent with the Basic credentials when there are any.
 */
export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** The first Basic or Bearer challenge of a `WWW-Authenticate` header. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*(Basic|Bearer)\b\s*(.*)$/i.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = pattern.exec(match[2]!); m !== null; m = pattern.exec(match[2]!)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return { scheme: match[1]!.toLowerCase() as 'basic' | 'bearer', params };
}

/** `Basic base64(user:password)`, UTF-8, without Node's Buffer (it runs in a browser too). */
export function basicAuthorization(credentials: Credentials): string {
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** The scope a request on a repository needs (`repository:NAME:pull,push`). */
export function repositoryScope(repository: string, push: boolean, from?: string): string {
  const own = `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
  return from === undefined ? own : `${own} repository:${from}:pull`;
}

/** A token and when it stops being good (its `expires_in`, 60 s when not given, as the spec says). */
export interface Token {
  token: string;
  expiresAt: number;
}

/** Reads a token response: `token` or `access_token`, `expires_in` seconds. */
export function parseTokenResponse(body: string, now: number): Token | undefined {
  try {
    const value = JSON.parse(body) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof value.token === 'string' ? value.token : typeof value.access_token === 'string' ? value.access_token : undefined;
    if (token === undefined) return undefined;
    const seconds = typeof value.expires_in === 'number' && value.expires_in > 0 ? value.expires_in : 60;
    // Renewed 5 s early, so a token does not expire between the check and the request.
    return { token, expiresAt: now + Math.max(1, seconds - 5) * 1000 };
  } catch {
    return undefined;
  }
}
