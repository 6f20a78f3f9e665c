/**
 * Tags: which image each `name:tag` names. Pure bookkeeping: the image store writes the
 * result to `index.json`, one entry per tag (its `org.opencontainers.image.ref.name` is the
 * tag; image-layout.md, "index.json"), plus one entry without a name per untagged image.
 */
import { MediaTypes, indexEntry, type Descriptor, type ImageIndex } from '../image/index.js';

export class TagIndex {
  /** name:tag → manifest digest. */
  readonly #digests = new Map<string, string>();

  get(name: string): string | undefined {
    return this.#digests.get(name);
  }

  /** Points `name` at `digest`; returns the digest it named before, if another one. */
  set(name: string, digest: string): string | undefined {
    const previous = this.#digests.get(name);
    this.#digests.set(name, digest);
    return previous === digest ? undefined : previous;
  }

  /** Adds `name` unless it is taken (loading `index.json`: the first entry with a name wins). */
  add(name: string, digest: string): boolean {
    if (this.#digests.has(name)) return false;
    this.#digests.set(name, digest);
    return true;
  }

  delete(name: string): boolean {
    return this.#digests.delete(name);
  }

  /** The names of an image, sorted. */
  namesOf(digest: string): string[] {
    const names: string[] = [];
    for (const [name, d] of this.#digests) if (d === digest) names.push(name);
    return names.sort();
  }
}

/**
 * `index.json` for these images: entries this store does not manage (`foreign`) first, as
 * found, then the images ordered by their first name (untagged ones last, by ID), one entry
 * per name and one without a name for an untagged image.
 */
export function indexDocument(images: Iterable<{ id: string; manifestDigest: string; manifestBytes: Uint8Array; names: readonly string[]; manifest?: { mediaType?: string } }>, foreign: readonly Descriptor[]): ImageIndex {
  const manifests: Descriptor[] = [...foreign];
  const key = (i: { id: string; names: readonly string[] }): string => i.names[0] ?? `\uffff${i.id}`;
  const records = [...images].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const image of records) {
    const descriptor: Descriptor = { mediaType: image.manifest?.mediaType ?? MediaTypes.ociManifest, digest: image.manifestDigest, size: image.manifestBytes.length };
    if (image.names.length === 0) manifests.push(indexEntry(descriptor, undefined));
    for (const name of image.names) manifests.push(indexEntry(descriptor, name));
  }
  return { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests };
}
