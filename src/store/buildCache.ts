/**
 * The build cache's document in the store (`STORE/build-cache.json`): what the store must know
 * of it is only which layer blobs each entry holds, so that garbage collection keeps them and
 * `prune` can drop the entries no image uses. The rest of an entry belongs to src/build.
 */
import { encodeJson, isObject, type Descriptor } from '../image/index.js';

export interface BuildCacheEntry {
  /** The layer the step made, when it made one: held against garbage collection. */
  blob?: Descriptor;
  diffId?: string;
  [field: string]: unknown;
}

export interface BuildCacheDocument {
  version: 1;
  /** Step key → what the step made. */
  entries: Record<string, BuildCacheEntry>;
}

export function emptyBuildCache(): BuildCacheDocument {
  return { version: 1, entries: {} };
}

/** Reads the document; a missing or unreadable one is an empty cache (a cache is never trusted). */
export function decodeBuildCache(bytes: Uint8Array | undefined): BuildCacheDocument {
  if (bytes === undefined) return emptyBuildCache();
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (isObject(value) && value['version'] === 1 && isObject(value['entries'])) return value as unknown as BuildCacheDocument;
  } catch {
    // fall through: rebuilt from nothing
  }
  return emptyBuildCache();
}

export function encodeBuildCache(doc: BuildCacheDocument): Uint8Array {
  return encodeJson(doc);
}

/** The blob digests the cache holds. */
export function buildCacheBlobs(doc: BuildCacheDocument): Set<string> {
  const out = new Set<string>();
  for (const entry of Object.values(doc.entries)) if (entry.blob !== undefined) out.add(entry.blob.digest);
  return out;
}

/** The document without the entries whose layer no image uses (`prune`). */
export function keepUsedEntries(doc: BuildCacheDocument, used: ReadonlySet<string>): { doc: BuildCacheDocument; dropped: number } {
  const entries: Record<string, BuildCacheEntry> = {};
  let dropped = 0;
  for (const [key, entry] of Object.entries(doc.entries)) {
    if (entry.blob === undefined || used.has(entry.blob.digest)) entries[key] = entry;
    else dropped++;
  }
  return { doc: { version: 1, entries }, dropped };
}
