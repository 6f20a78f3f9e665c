/**
 * Image names as Docker writes them (`name[:tag]`, distribution/reference grammar) and how they
 * map to the tags of an OCI image layout.
 *
 * The mapping this package uses, in both directions: an image called `NAME:TAG` is the
 * `index.json` entry whose `org.opencontainers.image.ref.name` is exactly `NAME:TAG` (the tag
 * defaults to `latest`). That is the string `skopeo` and `umoci` take after the layout
 * directory: `skopeo inspect oci:STORE:NAME:TAG`, `umoci unpack --image STORE:NAME:TAG` (both
 * split at the first colon).
 */
import { DomainError } from '../errors/index.js';
import { CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION } from './mediaTypes.js';

export interface ImageName {
  /** Repository, e.g. `demo/app` or `registry.example:5000/team/app`. */
  name: string;
  tag: string;
}

export const DEFAULT_TAG = 'latest';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?:[0-9]+|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+:[0-9]+)$/;
const TAG = /^[\w][\w.-]{0,127}$/;

function invalid(text: string, why: string): DomainError {
  return new DomainError('InvalidArgumentError', `invalid image name ${JSON.stringify(text)}: ${why}`, { name: text });
}

/** Splits and checks `name[:tag]`; the tag defaults to `latest`. */
export function parseImageName(text: string): ImageName {
  if (text === '') throw invalid(text, 'empty');
  if (text.includes('@')) throw invalid(text, 'digest references (name@sha256:…) are not supported here');
  let name = text;
  let tag = DEFAULT_TAG;
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && !text.slice(colon + 1).includes('/')) {
    name = text.slice(0, colon);
    tag = text.slice(colon + 1);
    if (!TAG.test(tag)) throw invalid(text, `bad tag ${JSON.stringify(tag)}`);
  }
  if (name.length > 255) throw invalid(text, 'name longer than 255 characters');
  const parts = name.split('/');
  const first = parts[0]!;
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) throw invalid(text, `bad registry host ${JSON.stringify(first)}`);
  for (const part of hasDomain ? parts.slice(1) : parts) {
    if (!COMPONENT.test(part)) {
      throw invalid(text, part === '' ? 'empty path component' : `${JSON.stringify(part)} must be lower-case letters, digits and separators . _ -`);
    }
  }
  return { name, tag };
}

export function formatImageName(name: ImageName): string {
  return `${name.name}:${name.tag}`;
}

/** `name[:tag]` in the canonical `name:tag` form used as the OCI ref name. */
export function canonicalName(text: string): string {
  return formatImageName(parseImageName(text));
}

/** Docker's familiar form: `docker.io/library/alpine:3` is shown as `alpine:3`. */
export function familiarName(text: string): string {
  if (text.startsWith('docker.io/library/')) return text.slice('docker.io/library/'.length);
  if (text.startsWith('docker.io/')) return text.slice('docker.io/'.length);
  return text;
}

/**
 * The name an `index.json` entry gives its image: the full name Docker 25+ and containerd put
 * in `io.containerd.image.name` when present, else the ref name (which this package and umoci
 * write as `name:tag`, and Docker as a bare tag). `undefined` when the entry has no usable name.
 */
export function nameFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  if (annotations === undefined) return undefined;
  for (const key of [CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION]) {
    const value = annotations[key];
    if (value === undefined || value === '') continue;
    try {
      return canonicalName(familiarName(value));
    } catch {
      // Not a valid image name: try the next annotation.
    }
  }
  return undefined;
}
