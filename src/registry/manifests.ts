/**
 * Manifests on a registry (OCI distribution-spec, "Pulling manifests", "Pushing manifests"):
 * every request carries `Accept` with the four types this client reads (a registry answers 404
 * for an index it was not told the client accepts), the digest is checked against the bytes,
 * and an index is resolved to the platform asked for.
 */
import { sha256Digest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { MediaTypes, isIndexType, isManifestType, parseIndex, type Descriptor, type Platform } from '../image/index.js';
import { repositoryScope } from './auth.js';
import type { Call, RegistryClient } from './transport.js';

export const MANIFEST_ACCEPT = [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList].join(', ');

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  /** sha256 of the bytes (checked against `Docker-Content-Digest` and a digest reference). */
  digest: string;
}

/** `GET /v2/<name>/manifests/<reference>`; `undefined` when the registry does not know it. */
export async function getManifest(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest | undefined> {
  const call: Call = { method: 'GET', url: `/v2/${repository}/manifests/${reference}`, repository, scope: repositoryScope(repository, false), headers: { accept: MANIFEST_ACCEPT } };
  const res = await client.send(call);
  if (res.status === 404) {
    const text = await res.text().catch(() => '');
    if (/NAME_UNKNOWN/.test(text)) throw client.error(call, 'NAME_UNKNOWN', `repository ${repository} is not known to the registry`, 404);
    return undefined;
  }
  if (res.status !== 200) await client.fail(call, res);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const digest = sha256Digest(bytes);
  // A missing Docker-Content-Digest is allowed (the spec says "SHOULD"): the bytes decide.
  const claimed = res.headers.get('docker-content-digest');
  if ((claimed !== null && claimed.startsWith('sha256:') && claimed !== digest) || (reference.startsWith('sha256:') && reference !== digest)) {
    throw client.error(call, 'DIGEST_INVALID', `manifest ${reference} does not match its digest: got ${digest}`);
  }
  const mediaType = manifestMediaType(bytes, res.headers.get('content-type'));
  if (!isManifestType(mediaType) && !isIndexType(mediaType)) throw client.error(call, 'MANIFEST_UNSUPPORTED', `${reference} is a ${mediaType}, not an image manifest or index`);
  return { bytes, mediaType, digest };
}

/** The document's own `mediaType`, else the `Content-Type` it came with. */
function manifestMediaType(bytes: Uint8Array, contentType: string | null): string {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown };
    if (typeof value.mediaType === 'string') return value.mediaType;
  } catch {
    // The parser of the caller says what is wrong.
  }
  return (contentType ?? '').split(';')[0]!.trim();
}

/** The digest a tag names on the registry (`HEAD`, with `Accept`), `undefined` when unknown. */
export async function manifestDigestAt(client: RegistryClient, repository: string, reference: string, push = false): Promise<string | undefined> {
  const call: Call = { method: 'HEAD', url: `/v2/${repository}/manifests/${reference}`, repository, scope: repositoryScope(repository, push), headers: { accept: MANIFEST_ACCEPT } };
  const res = await client.send(call);
  if (res.status === 404) return undefined;
  if (res.status !== 200) await client.fail(call, res);
  return res.headers.get('docker-content-digest') ?? undefined;
}

/** `PUT /v2/<name>/manifests/<reference>` with the bytes as they are. */
export async function putManifest(client: RegistryClient, repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<void> {
  const call: Call = { method: 'PUT', url: `/v2/${repository}/manifests/${reference}`, repository, scope: repositoryScope(repository, true), headers: { 'content-type': mediaType }, body: bytes };
  const res = await client.send(call);
  if (res.status !== 201 && res.status !== 200) await client.fail(call, res);
  await res.body?.cancel();
}

/** `os/arch[/variant]` as a platform. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (os === undefined || os === '' || architecture === undefined || architecture === '') throw new DomainError('InvalidArgumentError', `a platform is os/arch[/variant], not ${JSON.stringify(text)}`, { platform: text });
  return { os, architecture, ...(variant === undefined ? {} : { variant }) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant === undefined ? '' : `/${p.variant}`}`;
}

/** The index's manifest for this platform (a variant only when both sides name one). */
export function selectPlatform(indexBytes: Uint8Array, platform: Platform, what: string): Descriptor {
  const index = parseIndex(indexBytes, what);
  const images = index.manifests.filter((m) => isManifestType(m.mediaType));
  const match = images.find(
    (m) => m.platform !== undefined && m.platform.os === platform.os && m.platform.architecture === platform.architecture && (platform.variant === undefined || m.platform.variant === undefined || m.platform.variant === platform.variant),
  );
  if (match !== undefined) return match;
  const offered = images.map((m) => (m.platform === undefined ? 'unknown' : formatPlatform(m.platform))).join(', ');
  throw new DomainError('NotFoundError', `${what} has no image for ${formatPlatform(platform)} (it has ${offered === '' ? 'none' : offered}): choose one with --platform`, { platform: formatPlatform(platform) });
}
