/**
 * The user's side of registries: credentials in a file of mode 0600 under the user's config
 * directory (`$XDG_CONFIG_HOME/overlay/auth.json`, else `~/.config/overlay/auth.json`), never
 * in the store or in output; and a client per registry with the transport the command asked
 * for (`--plain-http`, `--tls-verify=false`).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectRegistry } from '../app/index.js';
import { DomainError } from '../errors/index.js';
import { RegistryClient, ping, type Credentials } from '../registry/index.js';
import type { Context } from './context.js';
import { nodeFetch } from './nodeFetch.js';

interface AuthFile {
  auths: Record<string, { auth: string }>;
}

export function authFilePath(ctx: Context): string {
  const xdg = ctx.io.env['XDG_CONFIG_HOME'];
  const base = xdg !== undefined && xdg !== '' ? xdg : join(ctx.io.env['HOME'] ?? homedir(), '.config');
  return join(base, 'overlay', 'auth.json');
}

function readAuthFile(path: string): AuthFile {
  if (!existsSync(path)) return { auths: {} };
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<AuthFile>;
    return { auths: typeof value.auths === 'object' && value.auths !== null ? value.auths : {} };
  } catch {
    throw new DomainError('InvalidArgumentError', `${path} is not a credentials file (JSON with "auths"): remove it and log in again`, { path });
  }
}

function writeAuthFile(path: string, file: AuthFile): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function readCredentials(ctx: Context, registry: string): Credentials | undefined {
  const entry = readAuthFile(authFilePath(ctx)).auths[registry];
  if (entry === undefined) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function saveCredentials(ctx: Context, registry: string, credentials: Credentials): string {
  const path = authFilePath(ctx);
  const file = readAuthFile(path);
  file.auths[registry] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
  writeAuthFile(path, file);
  return path;
}

/** Whether there were credentials to remove. */
export function removeCredentials(ctx: Context, registry: string): boolean {
  const path = authFilePath(ctx);
  const file = readAuthFile(path);
  if (file.auths[registry] === undefined) return false;
  delete file.auths[registry];
  writeAuthFile(path, file);
  return true;
}

/** The transport options every registry verb takes. */
export function transportOptions(y: import('yargs').Argv): import('yargs').Argv {
  return y
    .option('tls-verify', { type: 'boolean', default: true, describe: 'verify the registry\'s TLS certificate (false: also fall back to plain HTTP)' })
    .option('plain-http', { type: 'boolean', default: false, describe: 'talk plain HTTP (a loopback registry without TLS)' });
}

/**
 * Node's fetch parses HTTP with llhttp compiled to WebAssembly, and V8 recompiles that module
 * with its optimizing tier in background threads, which the process waits for before it exits:
 * about 0.4 s of wall time (0.1 s of CPU) after every registry verb had finished, half of a
 * no-op push (bench/sections/registry.mjs, "re-push"). The baseline tier parses headers as well,
 * and blob bytes pass through it without being parsed. Set before the first fetch compiles it.
 * Reached through `process.getBuiltinModule`: the page's build (scripts/web-build.mjs) has no
 * node:v8, and there the flag means nothing.
 */
function baselineWasmOnly(): void {
  const host = globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined;
  (host?.getBuiltinModule?.('node:v8') as typeof import('node:v8') | undefined)?.setFlagsFromString('--liftoff-only');
}

/** Clients with the command's transport options and the saved credentials (or `given`). */
export function connector(ctx: Context, given?: Credentials): ConnectRegistry {
  const fetch = nodeFetch();
  // The global fetch (undici) only where node:http is not at hand (nodeFetch.ts).
  if (fetch === undefined) baselineWasmOnly();
  return async (registry) => {
    const credentials = given ?? readCredentials(ctx, registry);
    const plainHttp = ctx.flag('plain-http');
    const tlsVerify = ctx.args['tls-verify'] !== false;
    const options = { registry, streamUploads: true, ...(fetch === undefined ? {} : { fetch }), ...(credentials === undefined ? {} : { credentials }) };
    if (plainHttp || tlsVerify) return new RegistryClient({ ...options, plainHttp });
    // --tls-verify=false: HTTPS without checking the certificate, else plain HTTP (as podman).
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    const https = new RegistryClient({ ...options, retries: 0 });
    try {
      await ping(https);
      return new RegistryClient(options);
    } catch (error) {
      const code = error instanceof DomainError ? error.data['code'] : undefined;
      if (code === 'TLS' || code === 'NETWORK') return new RegistryClient({ ...options, plainHttp: true });
      throw error;
    }
  };
}
