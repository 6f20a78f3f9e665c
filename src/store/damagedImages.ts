/**
 * Entries of `index.json` whose image does not read (a damaged or missing manifest or config):
 * kept in `index.json` as found, shown by `Store.check`, removed by `rmi` and `prune`, so one
 * damaged image does not stop the commands on the others (issue 10, "A broken image or
 * container can be removed").
 */
import { nameFromAnnotations, parseManifest, tryCanonicalName, type BlobStore, type Descriptor } from '../image/index.js';

/** An entry of index.json whose image does not read. */
export interface DamagedImage {
  manifestDigest: string;
  /** Its entries in index.json, as found (one per name). */
  entries: Descriptor[];
  /** Why it does not read (the error's message). */
  reason: string;
  /** The blobs its manifest names, when the manifest itself parses. */
  references?: string[];
}

/** What is known of an image that does not read: its entry, why, and the blobs its manifest names. */
export async function damagedImage(blobs: BlobStore, entry: Descriptor, error: unknown): Promise<DamagedImage> {
  const reason = error instanceof Error ? error.message : String(error);
  let references: string[] | undefined;
  try {
    // The manifest's own bytes, even when they do not match its digest: the blobs it names
    // stay until the entry is removed.
    const manifest = parseManifest(await blobs.get(entry.digest), `manifest ${entry.digest}`);
    references = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  } catch {
    references = undefined;
  }
  return { manifestDigest: entry.digest, entries: [entry], reason, ...(references === undefined ? {} : { references }) };
}

export class DamagedImages {
  /** By manifest digest. */
  readonly #byDigest = new Map<string, DamagedImage>();

  get(digest: string): DamagedImage | undefined {
    return this.#byDigest.get(digest);
  }

  add(image: DamagedImage): void {
    this.#byDigest.set(image.manifestDigest, image);
  }

  list(): DamagedImage[] {
    return [...this.#byDigest.values()];
  }

  /** Their entries, for index.json. */
  entries(): Descriptor[] {
    return this.list().flatMap((d) => d.entries);
  }

  /** By name (`name[:tag]`), manifest digest or a unique hex prefix of it. */
  find(ref: string): DamagedImage | undefined {
    const hex = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref;
    const byDigest = /^[0-9a-f]{4,64}$/.test(hex) ? this.list().filter((d) => d.manifestDigest.slice(7).startsWith(hex)) : [];
    if (byDigest.length === 1) return byDigest[0];
    const name = tryCanonicalName(ref);
    if (name === undefined) return undefined;
    return this.list().find((d) => d.entries.some((e) => nameFromAnnotations(e.annotations) === name));
  }

  delete(digest: string): void {
    this.#byDigest.delete(digest);
  }

  /** A tag moved to a working image: the damaged entry that held it loses it (keeping one entry). */
  releaseName(name: string): void {
    for (const d of this.#byDigest.values()) {
      const kept = d.entries.filter((e) => nameFromAnnotations(e.annotations) !== name);
      if (kept.length === d.entries.length) continue;
      const first = d.entries[0]!;
      d.entries = kept.length > 0 ? kept : [{ mediaType: first.mediaType, digest: d.manifestDigest, size: first.size }];
    }
  }
}
