/**
 * Reference counts of the blobs of a store, and what garbage collection may remove: pure
 * functions of the store's roots and manifests.
 *
 * Roots are the store's tags and untagged images (entries of `index.json`) and the images
 * containers are based on. Each root counts once for its manifest; each distinct manifest
 * counts once for its config and once for every layer it lists. A blob whose count is zero
 * is garbage: nothing can reach it any more.
 */
import type { ImageManifest } from '../image/index.js';
import { shortHex } from './records.js';

export interface RefRoot {
  /** What holds the reference, e.g. `tag app:1`, `image sha256:…`, `container web`. */
  holder: string;
  manifestDigest: string;
}

export interface RefCounts {
  /** digest → number of references. */
  counts: Map<string, number>;
  /** digest → who references it (tags and containers for manifests, manifests for the rest). */
  holders: Map<string, string[]>;
}

export function countReferences(roots: Iterable<RefRoot>, manifests: ReadonlyMap<string, ImageManifest>): RefCounts {
  const counts = new Map<string, number>();
  const holders = new Map<string, string[]>();
  const add = (digest: string, holder: string): void => {
    counts.set(digest, (counts.get(digest) ?? 0) + 1);
    let list = holders.get(digest);
    if (list === undefined) holders.set(digest, (list = []));
    list.push(holder);
  };
  const seen = new Set<string>();
  for (const root of roots) {
    add(root.manifestDigest, root.holder);
    if (seen.has(root.manifestDigest)) continue;
    seen.add(root.manifestDigest);
    const manifest = manifests.get(root.manifestDigest);
    if (manifest === undefined) continue;
    add(manifest.config.digest, root.manifestDigest);
    for (const layer of manifest.layers) add(layer.digest, root.manifestDigest);
  }
  return { counts, holders };
}

/** The stored blobs nothing references, sorted. */
export function unreferencedBlobs(stored: Iterable<string>, refs: RefCounts): string[] {
  return [...stored].filter((digest) => (refs.counts.get(digest) ?? 0) === 0).sort();
}


/**
 * The roots of a store: one per tag (`tag NAME`), one per untagged image in `index.json`
 * (`image ID`), one per container (`container NAME`, holding its image by manifest digest).
 */
export function storeRoots(
  images: Iterable<{ id: string; manifestDigest: string; names: readonly string[] }>,
  containers: Iterable<{ name: string; image: string }>,
): RefRoot[] {
  const roots: RefRoot[] = [];
  for (const image of images) {
    if (image.names.length === 0) roots.push({ holder: `image ${shortHex(image.id)}`, manifestDigest: image.manifestDigest });
    for (const name of image.names) roots.push({ holder: `tag ${name}`, manifestDigest: image.manifestDigest });
  }
  for (const c of containers) roots.push({ holder: `container ${c.name}`, manifestDigest: c.image });
  return roots;
}
