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

/** The outcome of parsing a name: the name, or why it is not one (no exception on the way). */
export type ImageNameResult = { ok: true; name: ImageName } | { ok: false; text: string; reason: string };

const fail = (text: string, reason: string): ImageNameResult => ({ ok: false, text, reason });

/** Splits and checks `name[:tag]` (the tag defaults to `latest`), returning why when it fails. */
export function tryParseImageName(text: string): ImageNameResult {
  if (text === '') return fail(text, 'empty');
  if (text.includes('@')) return fail(text, 'digest references (name@sha256:…) are not supported here');
  let name = text;
  let tag = DEFAULT_TAG;
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && !text.slice(colon + 1).includes('/')) {
    name = text.slice(0, colon);
    tag = text.slice(colon + 1);
    if (!TAG.test(tag)) return fail(text, `bad tag ${JSON.stringify(tag)}`);
  }
  if (name.length > 255) return fail(text, 'name longer than 255 characters');
  const parts = name.split('/');
  const first = parts[0]!;
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) return fail(text, `bad registry host ${JSON.stringify(first)}`);
  for (const part of hasDomain ? parts.slice(1) : parts) {
    if (!COMPONENT.test(part)) {
      return fail(text, part === '' ? 'empty path component' : `${JSON.stringify(part)} must be lower-case letters, digits and separators . _ -`);
    }
  }
  return { ok: true, name: { name, tag } };
}

/** The canonical `name:tag` of `text`, or `undefined` when it is not a valid name. */
export function tryCanonicalName(text: string): string | undefined {
  const parsed = tryParseImageName(text);
  return parsed.ok ? formatImageName(parsed.name) : undefined;
}

/** Splits and checks `name[:tag]`; the tag defaults to `latest`. Throws `InvalidArgumentError`. */
export function parseImageName(text: string): ImageName {
  const parsed = tryParseImageName(text);
  if (!parsed.ok) throw new DomainError('InvalidArgumentError', `invalid image name ${JSON.stringify(text)}: ${parsed.reason}`, { name: text });
  return parsed.name;
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
    const name = tryCanonicalName(familiarName(value));
    if (name !== undefined) return name;
  }
  return undefined;
}
