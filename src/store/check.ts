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
  /** Images that read: manifest digest, names and the blobs they name (config, layers). */
  images: { manifestDigest: string; names: string[]; blobs: string[] }[];
  damagedImages: StoreCheck['damagedImages'];
  damagedContainers: StoreCheck['damagedContainers'];
}

/** Hashes every stored blob (the one slow part: it reads the whole store) and sorts out the rest. */
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
  for (const image of input.images) {
    const bad = [image.manifestDigest, ...image.blobs].filter((d) => corrupt.has(d) || !storedSet.has(d));
    if (bad.length === 0) continue;
    const reason = bad.map((d) => `blob ${d} ${corrupt.has(d) ? 'does not match its digest' : 'is missing'}`).join('; ');
    damagedImages.push({ manifestDigest: image.manifestDigest, names: image.names, reason });
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
