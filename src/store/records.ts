/** What the store hands out: images and containers as records, and the errors about them. */
import { DomainError } from '../errors/index.js';
import type { Descriptor, ImageConfig, ImageManifest } from '../image/index.js';

export interface ImageRecord {
  /** The image ID: digest of the config (OCI image-spec config.md, "ImageID"). */
  id: string;
  manifestDigest: string;
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  config: ImageConfig;
  configBytes: Uint8Array;
  /** Tags (`name:tag`), sorted; empty for an untagged image. */
  names: string[];
  /** Bytes of the manifest, config and layer blobs (see `imageSize`). */
  size: number;
}

export interface ContainerRecord {
  /** 64 hex digits; shown shortened to 12. */
  id: string;
  name: string;
  /** Manifest digest of the image the container is based on. */
  image: string;
  /** ID (config digest) of that image. */
  imageId: string;
  /** The name the container was created from, when it was created from a name. */
  imageName?: string;
  created: string;
  /**
   * Set when its `container.json` does not read (the reason): such a container is listed by
   * `Store.check` and can only be removed; `name` is then its short ID, `image` empty.
   */
  damaged?: string;
}

/** The size of an image: its manifest, its config and its layer blobs as stored. */
export function imageSize(manifestBytes: Uint8Array, configBytes: Uint8Array, layers: readonly Descriptor[]): number {
  return manifestBytes.length + configBytes.length + layers.reduce((n, l) => n + l.size, 0);
}

/**
 * A size as the CLI prints it, Docker's way: decimal units and no space (`2.10MB`, `184MB`,
 * `512B`). Progress bars, `images`, `df` and the registry's transfer report all use it.
 */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)}${units[unit]}`;
}

export function notFound(what: 'image' | 'container', ref: string): DomainError {
  return new DomainError('NotFoundError', `no such ${what}: ${ref}`, { [what]: ref });
}

/** The first 12 hex digits of a digest, as IDs are shown. */
export const shortHex = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);
