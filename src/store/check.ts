/**
 * What `overlay fsck` reports (issue 10, "A broken image or container can be removed"): the
 * damaged images and containers, the blobs whose bytes do not match their digest or that are
 * missing, and what can be dropped without losing anything that still reads.
 */
import type { BlobStore } from '../image/index.js';
import { blobIntact } from './blobCheck.js';
import type { RefCounts } from './gc.js';

export interface StoreCheck {
  /** Images that do not read, or whose blobs are damaged or missing (by manifest digest). */
  damagedImages: { manifestDigest: string; names: string[]; reason: string }[];
  /** Containers whose record does not read (their writable layer may still hold work). */
  damagedContainers: { id: string; reason: string }[];
  /** Stored blobs whose bytes do not match their digest. */
  corruptBlobs: string[];
  /** Blobs something names that are not stored, with what names them. */
  missingBlobs: { digest: string; holders: string[] }[];
  /** Stored blobs nothing names (what `prune` deletes). */
  unreferencedBlobs: string[];
  /**
   * What can be dropped safely: the damaged images (`overlay rmi -f`; nothing can use them)
   * and the unreferenced blobs (`overlay prune`, which also drops the damaged images). Damaged
   * containers are not in it: their writable layers may hold uncommitted work.
   */
  safeToDrop: { images: string[]; blobs: string[] };
  /** Whether nothing is damaged or missing (unreferenced blobs are not damage). */
  clean: boolean;
}

export interface CheckInput {
  blobs: BlobStore;
  refs: RefCounts;
  /**
   * Images that read: manifest digest, names, the blobs they name (config, layers) and their
   * layers' blobs with the DiffIDs the config gives.
   */
  images: { manifestDigest: string; names: string[]; blobs: string[]; layers: { blob: string; diffId: string }[] }[];
  /** The DiffID of a stored layer blob's tar (LayerCache.diffIdOf); throws when it does not read. */
  diffIdOf(layer: { blob: string; diffId: string }): Promise<string>;
  damagedImages: StoreCheck['damagedImages'];
  damagedContainers: StoreCheck['damagedContainers'];
}

/**
 * Hashes every stored blob (the one slow part: it reads the whole store), and the tar of each
 * layer no index proves yet, and sorts out the rest.
 */
export async function checkStore(input: CheckInput): Promise<StoreCheck> {
  const stored = await input.blobs.list();
  const storedSet = new Set(stored);
  const corruptBlobs: string[] = [];
  for (const digest of stored) if ((await blobIntact(input.blobs, digest)) === false) corruptBlobs.push(digest);
  const corrupt = new Set(corruptBlobs);
  const missingBlobs = [...input.refs.counts.keys()]
    .filter((digest) => !storedSet.has(digest))
    .sort()
    .map((digest) => ({ digest, holders: input.refs.holders.get(digest) ?? [] }));
  const damagedImages = [...input.damagedImages];
  // A pulled layer's tar is first read at its first use (src/store/resumedPull.ts): its DiffID
  // is checked here too, once per blob and DiffID.
  const diffIdProblems = new Map<string, string | undefined>();
  const diffIdProblem = async (layer: { blob: string; diffId: string }): Promise<string | undefined> => {
    const key = `${layer.blob} ${layer.diffId}`;
    if (!diffIdProblems.has(key)) {
      let problem: string | undefined;
      try {
        const actual = await input.diffIdOf(layer);
        if (actual !== layer.diffId) problem = `layer blob ${layer.blob} does not match its DiffID ${layer.diffId} (its tar hashes to ${actual})`;
      } catch (error) {
        problem = `layer blob ${layer.blob} does not read as a layer (${(error as Error).message})`;
      }
      diffIdProblems.set(key, problem);
    }
    return diffIdProblems.get(key);
  };
  for (const image of input.images) {
    const bad = [image.manifestDigest, ...image.blobs].filter((d) => corrupt.has(d) || !storedSet.has(d));
    const reasons = bad.map((d) => `blob ${d} ${corrupt.has(d) ? 'does not match its digest' : 'is missing'}`);
    for (const layer of image.layers) {
      if (bad.includes(layer.blob)) continue;
      const problem = await diffIdProblem(layer);
      if (problem !== undefined) reasons.push(problem);
    }
    if (reasons.length === 0) continue;
    damagedImages.push({ manifestDigest: image.manifestDigest, names: image.names, reason: reasons.join('; ') });
  }
  const unreferencedBlobs = stored.filter((d) => (input.refs.counts.get(d) ?? 0) === 0);
  return {
    damagedImages,
    damagedContainers: input.damagedContainers,
    corruptBlobs,
    missingBlobs,
    unreferencedBlobs,
    safeToDrop: { images: damagedImages.map((d) => d.manifestDigest), blobs: unreferencedBlobs },
    clean: damagedImages.length === 0 && input.damagedContainers.length === 0 && corruptBlobs.length === 0 && missingBlobs.length === 0,
  };
}
