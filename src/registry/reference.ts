/**
 * A remote image reference, `REGISTRY/NAME[:TAG|@DIGEST]` (distribution/reference grammar, as in
 * src/image/reference.ts): the registry host, the repository inside it, and a tag or a digest.
 * A first component without a dot, a colon or `localhost` is a Docker Hub name, as Docker reads
 * it (`docker.io`, `library/` for a one-part name).
 */
import { isDigest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { parseImageName } from '../image/index.js';

export interface RemoteReference {
  /** `host[:port]`. */
  registry: string;
  /** The repository, e.g. `team/app`. */
  repository: string;
  /** The tag, when the reference has no digest (default `latest`). */
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

/** Splits `REGISTRY/NAME[:TAG|@DIGEST]`. */
export function parseRemoteReference(text: string): RemoteReference {
  let rest = text;
  let digest: string | undefined;
  const at = text.indexOf('@');
  if (at >= 0) {
    digest = text.slice(at + 1);
    rest = text.slice(0, at);
    if (!isDigest(digest)) throw new DomainError('InvalidArgumentError', `invalid image reference ${JSON.stringify(text)}: ${JSON.stringify(digest)} is not a sha256 digest`, { reference: text });
  }
  const { name, tag } = parseImageName(rest);
  const hasTag = digest === undefined || /:[^/]*$/.test(rest);
  const parts = name.split('/');
  const first = parts[0]!;
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasDomain ? first : DOCKER_HUB;
  let repository = hasDomain ? parts.slice(1).join('/') : name;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, ...(hasTag ? { tag } : {}), ...(digest === undefined ? {} : { digest }) };
}

/** `REGISTRY/NAME`, how the store names a pulled image. */
export function remoteName(ref: RemoteReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `REGISTRY/NAME:TAG` or `REGISTRY/NAME@DIGEST`. */
export function formatRemoteReference(ref: RemoteReference): string {
  return ref.digest !== undefined ? `${remoteName(ref)}@${ref.digest}` : `${remoteName(ref)}:${ref.tag ?? 'latest'}`;
}
