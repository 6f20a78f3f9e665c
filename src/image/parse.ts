/**
 * Reading OCI documents from untrusted bytes: every field this package relies on is checked,
 * and each problem is an `ImageFormatError` that names the document and the field.
 */
import { isDigest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { isObject, parseJson } from './json.js';
import { isIndexType, isManifestType } from './mediaTypes.js';
import type { Descriptor, HistoryEntry, ImageConfig, ImageIndex, ImageManifest } from './types.js';

function bad(what: string, problem: string): DomainError {
  return new DomainError('ImageFormatError', `${what}: ${problem}`, { what });
}

function stringRecord(value: unknown, what: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw bad(what, 'annotations must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw bad(what, `annotation ${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** A descriptor (descriptor.md): media type, a digest of the registered grammar, a size. */
export function parseDescriptor(value: unknown, what: string): Descriptor {
  if (!isObject(value)) throw bad(what, 'descriptor must be an object');
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw bad(what, 'descriptor without a mediaType');
  if (typeof digest !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) {
    throw bad(what, `invalid digest ${JSON.stringify(digest)}`);
  }
  if (digest.startsWith('sha256:') && !isDigest(digest)) throw bad(what, `invalid sha256 digest ${digest}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(what, `invalid size for ${digest}`);
  const out: Descriptor = { mediaType, digest, size };
  const annotations = stringRecord(value['annotations'], what);
  if (annotations !== undefined) out.annotations = annotations;
  const platform = value['platform'];
  if (isObject(platform) && typeof platform['architecture'] === 'string' && typeof platform['os'] === 'string') {
    out.platform = { architecture: platform['architecture'], os: platform['os'] };
    if (typeof platform['variant'] === 'string') out.platform.variant = platform['variant'];
  }
  if (Array.isArray(value['urls'])) out.urls = value['urls'].filter((u): u is string => typeof u === 'string');
  return out;
}

/**
 * The JSON object of a manifest or an index: schemaVersion 2, and a mediaType (optional in
 * OCI) that names this kind of document.
 */
function schema2Object(
  bytes: Uint8Array,
  what: string,
  kind: string,
  isKind: (mediaType: string) => boolean,
): { value: Record<string, unknown>; mediaType: string | undefined } {
  const value = parseJson(bytes, what);
  if (!isObject(value)) throw bad(what, 'must be a JSON object');
  if (value['schemaVersion'] !== 2) throw bad(what, 'schemaVersion must be 2');
  const mediaType = value['mediaType'];
  if (mediaType !== undefined && (typeof mediaType !== 'string' || !isKind(mediaType))) {
    throw bad(what, `not an ${kind} (mediaType ${String(mediaType)})`);
  }
  return { value, mediaType };
}

export function parseManifest(bytes: Uint8Array, what = 'image manifest'): ImageManifest {
  const { value, mediaType } = schema2Object(bytes, what, 'image manifest', isManifestType);
  if (!Array.isArray(value['layers'])) throw bad(what, 'layers must be an array');
  const manifest: ImageManifest = {
    schemaVersion: 2,
    config: parseDescriptor(value['config'], `${what} config`),
    layers: value['layers'].map((l, i) => parseDescriptor(l, `${what} layer ${i}`)),
  };
  if (typeof mediaType === 'string') manifest.mediaType = mediaType;
  const annotations = stringRecord(value['annotations'], what);
  if (annotations !== undefined) manifest.annotations = annotations;
  return manifest;
}

export function parseIndex(bytes: Uint8Array, what = 'index.json'): ImageIndex {
  const { value, mediaType } = schema2Object(bytes, what, 'image index', isIndexType);
  // Docker's `save img@digest` once wrote "manifests": null (moby#47210): read it as empty.
  const manifests = value['manifests'] ?? [];
  if (!Array.isArray(manifests)) throw bad(what, 'manifests must be an array');
  const index: ImageIndex = { schemaVersion: 2, manifests: manifests.map((m, i) => parseDescriptor(m, `${what} manifest ${i}`)) };
  if (typeof mediaType === 'string') index.mediaType = mediaType;
  const annotations = stringRecord(value['annotations'], what);
  if (annotations !== undefined) index.annotations = annotations;
  return index;
}

function parseHistory(value: unknown, what: string): HistoryEntry[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw bad(what, 'history must be an array');
  return value.map((entry, i) => {
    if (!isObject(entry)) throw bad(what, `history ${i} must be an object`);
    const out: HistoryEntry = {};
    for (const key of ['created', 'created_by', 'author', 'comment'] as const) {
      const v = entry[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') throw bad(what, `history ${i} ${key} must be a string`);
      out[key] = v;
    }
    if (entry['empty_layer'] === true) out.empty_layer = true;
    return out;
  });
}

/**
 * An image configuration (config.md): `architecture`, `os` and `rootfs` are required, rootfs
 * must be of type `layers` with DiffIDs, and history may not describe more layers than there
 * are DiffIDs (Docker: "too many non-empty layers in History section").
 */
export function parseConfig(bytes: Uint8Array, what = 'image config'): ImageConfig {
  const value = parseJson(bytes, what);
  if (!isObject(value)) throw bad(what, 'must be a JSON object');
  const rootfs = value['rootfs'];
  if (!isObject(rootfs)) throw bad(what, 'rootfs is missing');
  if (rootfs['type'] !== 'layers') throw bad(what, `rootfs.type must be "layers", not ${JSON.stringify(rootfs['type'])}`);
  const diffIds = rootfs['diff_ids'] ?? [];
  if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !isDigest(d))) {
    throw bad(what, 'rootfs.diff_ids must be an array of sha256 digests');
  }
  if (typeof value['architecture'] !== 'string') throw bad(what, 'architecture is missing');
  if (typeof value['os'] !== 'string') throw bad(what, 'os is missing');
  const history = parseHistory(value['history'], what);
  const config = { ...value, rootfs: { type: 'layers', diff_ids: diffIds as string[] } } as ImageConfig;
  if (history !== undefined) {
    config.history = history;
    const nonEmpty = history.filter((h) => h.empty_layer !== true).length;
    if (nonEmpty > diffIds.length) throw bad(what, `too many non-empty layers in history (${nonEmpty} for ${diffIds.length} DiffIDs)`);
  }
  return config;
}
