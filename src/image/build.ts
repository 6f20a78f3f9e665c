/**
 * Making image configs and manifests (OCI config.md, manifest.md) from layers and history, the
 * way `docker import` and `docker commit` do.
 */
import type { Layer, LayerHistory } from '../layer/index.js';
import { sha256Digest } from '../digest/index.js';
import { encodeJson } from './json.js';
import { MediaTypes } from './mediaTypes.js';
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from './types.js';

/** Who the image is for and when it was made. */
export interface ImageSpec {
  architecture: string;
  os: string;
  /** ISO 8601 creation time of the image. */
  created: string;
  author?: string;
  /** Runtime defaults (`Env`, `Cmd`, `WorkingDir`, …); `{}` when not given. */
  config?: Record<string, unknown>;
}

/** A layer has no entries at all: its tar is the well-known empty layer. */
export function isEmptyLayer(layer: Layer): boolean {
  return layer.paths().every((path) => {
    const node = layer.node(path)!;
    return node.kind === 'dir' && node.implicit && !node.opaque;
  });
}

/** A history entry from a layer's own history (`createdBy` → `created_by`, …). */
export function historyEntry(history: Readonly<LayerHistory>, emptyLayer = false): HistoryEntry {
  const entry: HistoryEntry = {};
  if (history.created !== undefined) entry.created = history.created;
  if (history.createdBy !== undefined) entry.created_by = history.createdBy;
  if (history.author !== undefined) entry.author = history.author;
  if (history.comment !== undefined) entry.comment = history.comment;
  if (emptyLayer) entry.empty_layer = true;
  return entry;
}

/** The layer history a history entry describes (the inverse of `historyEntry`). */
export function layerHistory(entry: HistoryEntry | undefined): LayerHistory {
  const history: LayerHistory = {};
  if (entry === undefined) return history;
  if (entry.created !== undefined) history.created = entry.created;
  if (entry.created_by !== undefined) history.createdBy = entry.created_by;
  if (entry.author !== undefined) history.author = entry.author;
  if (entry.comment !== undefined) history.comment = entry.comment;
  return history;
}

/** A config for layers stacked base first, one history entry per layer (from `layer.history`). */
export function imageConfig(spec: ImageSpec, layers: readonly Pick<Layer, 'diffId' | 'history'>[]): ImageConfig {
  const config: ImageConfig = {
    architecture: spec.architecture,
    os: spec.os,
    created: spec.created,
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => historyEntry({ created: spec.created, ...l.history })),
  };
  if (spec.author !== undefined) config.author = spec.author;
  return config;
}

/**
 * A child image as `docker commit` makes it (moby image.NewChildImage): the base config with
 * one more history entry and, unless the change is empty, one more DiffID. An empty change
 * adds the entry with `empty_layer: true` and no DiffID.
 */
export function childConfig(
  base: ImageConfig,
  change: { diffId: string | undefined; history: HistoryEntry; created: string; author?: string },
): ImageConfig {
  const entry: HistoryEntry = { ...change.history, created: change.created };
  if (change.author !== undefined) entry.author = change.author;
  if (change.diffId === undefined) entry.empty_layer = true;
  else delete entry.empty_layer;
  const config: ImageConfig = {
    ...base,
    created: change.created,
    rootfs: { type: 'layers', diff_ids: change.diffId === undefined ? [...base.rootfs.diff_ids] : [...base.rootfs.diff_ids, change.diffId] },
    history: [...(base.history ?? []), entry],
  };
  if (change.author !== undefined) config.author = change.author;
  else delete config.author;
  return config;
}

export function descriptorOf(mediaType: string, bytes: Uint8Array, annotations?: Record<string, string>): Descriptor {
  const descriptor: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  if (annotations !== undefined && Object.keys(annotations).length > 0) descriptor.annotations = annotations;
  return descriptor;
}

export function imageManifest(config: Descriptor, layers: readonly Descriptor[]): ImageManifest {
  return { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [...layers] };
}

/** A config's bytes and descriptor: its digest is the image ID (config.md "ImageID"). */
export function encodeConfig(config: ImageConfig): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = encodeJson(config);
  return { bytes, descriptor: descriptorOf(MediaTypes.ociConfig, bytes) };
}

export function encodeManifest(manifest: ImageManifest): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = encodeJson(manifest);
  return { bytes, descriptor: descriptorOf(MediaTypes.ociManifest, bytes) };
}
