/**
 * `overlay pull`: an image from a registry into the store, fetching only the layers the store
 * lacks (by digest or DiffID). For an index, the manifest of the platform asked for. Every blob
 * is checked against its digest while it streams and a blob that fails is never stored
 * (src/store/resumedPull.ts); a layer's tar is decompressed and checked against its DiffID at
 * its first use, as `skopeo copy` to an OCI layout leaves it. The image is added only once all
 * its layers are stored, so an interrupted pull leaves at most unreferenced blobs, and the
 * next pull fetches only what is missing.
 */
import { sha256Digest } from '../digest/index.js';
import { RunningDigest, isIndexType, layerCompression, parseConfig, parseManifest, type Descriptor, type Platform } from '../image/index.js';
import { gatherBytes } from '../layer/index.js';
import type { ImageRecord, ProgressSink, Store } from '../store/index.js';
import { blobChunks } from './blobs.js';
import { getManifest, selectPlatform, type FetchedManifest } from './manifests.js';
import { inParallel } from './pool.js';
import { formatRemoteReference, remoteName, type RemoteReference } from './reference.js';
import type { BlobTransfer, TransferReport } from './report.js';
import type { RegistryClient } from './transport.js';
import { readAhead } from './readAhead.js';
import { pureJsZstd, type ZstdDecoder } from './zstd.js';

export interface PullOptions {
  /** The platform to take from an index (default: the store's). */
  platform?: Platform;
  dryRun?: boolean;
  /** A progress sink per layer downloaded (one bar per layer on a terminal). */
  progress?: (layer: Descriptor) => ProgressSink | undefined;
  /** Layers downloaded at once (default 3). */
  parallel?: number;
  zstd?: ZstdDecoder;
}

export interface PullResult extends TransferReport {
  /** The stored image (not on a dry run). */
  image?: ImageRecord;
}

export async function pullImage(client: RegistryClient, ref: RemoteReference, store: Store, options: PullOptions = {}): Promise<PullResult> {
  const { repository } = ref;
  const wanted = ref.digest ?? ref.tag ?? 'latest';
  let fetched = await requireManifest(client, repository, wanted);
  let bytes = fetched.bytes.length;
  if (isIndexType(fetched.mediaType)) {
    // Children before an index on push; on pull the index names the child to fetch.
    const child = selectPlatform(fetched.bytes, options.platform ?? store.platform, `${formatRemoteReference(ref)}`);
    fetched = await requireManifest(client, repository, child.digest);
    bytes += fetched.bytes.length;
  }
  const manifest = parseManifest(fetched.bytes, `manifest ${fetched.digest}`);
  const names = ref.tag !== undefined && ref.digest === undefined ? [`${remoteName(ref)}:${ref.tag}`] : [];
  const base = { direction: 'pull' as const, reference: formatRemoteReference(ref), digest: fetched.digest, dryRun: options.dryRun === true };
  const imageBytes = fetched.bytes.length + manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
  const existing = store.imageByManifest(fetched.digest);
  if (existing !== undefined) {
    const blobs: BlobTransfer[] = manifest.layers.map((l) => ({ digest: l.digest, size: l.size, kind: 'layer', outcome: 'present' }));
    if (options.dryRun === true) return { ...base, blobs, bytes, imageBytes, image: existing };
    const { image } = await store.addPulledImage(existing.manifestBytes, existing.configBytes, names);
    return { ...base, blobs, bytes, imageBytes, image, keptManifest: true };
  }
  const configBytes = await fetchSmallBlob(client, repository, manifest.config.digest);
  bytes += configBytes.length;
  const config = parseConfig(configBytes, `config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  // A layer counts as present when an image lists it, or when a pull stopped earlier stored it
  // (Store.storedPulledLayer): so a pull run again fetches only what is still missing.
  const blobs: BlobTransfer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const diffId = diffIds[i];
    const present = diffId !== undefined && (await store.storedPulledLayer(diffId, l, options.dryRun !== true)) !== undefined;
    blobs.push({ digest: l.digest, size: l.size, kind: 'layer', outcome: present ? 'present' : 'received' });
  }
  const missing = new Map<string, number>();
  blobs.forEach((b, i) => {
    if (b.outcome === 'received' && diffIds[i] !== undefined && !missing.has(diffIds[i])) missing.set(diffIds[i], i);
  });
  if (options.dryRun === true) {
    for (const b of blobs) if (b.outcome === 'received') b.outcome = 'planned';
    const planned = [...missing.values()].reduce((n, i) => n + manifest.layers[i]!.size, 0);
    return { ...base, blobs: [...blobs, { digest: manifest.config.digest, size: configBytes.length, kind: 'config', outcome: 'planned' }], bytes: bytes + planned, imageBytes };
  }
  await inParallel([...missing], options.parallel ?? 3, async ([diffId, i]) => {
    const layer = manifest.layers[i]!;
    const progress = options.progress?.(layer);
    progress?.setTotal?.(layer.size);
    const zstdToGzip = layerCompression(layer.mediaType) === 'zstd' && !store.storesZstd;
    const counted = readAhead(
      counting(blobChunks(client, repository, layer.digest), (n) => {
        bytes += n;
        progress?.tick(n);
      }),
      undefined,
      undefined,
      // The blob writer is done with a piece once its write resolves; a zstd decoder may keep it.
      !zstdToGzip,
    );
    if (zstdToGzip) {
      // This store keeps gzip: the zstd bytes are checked here, the tar by its DiffID there.
      const tar = (options.zstd ?? pureJsZstd)(checked(counted, layer.digest, client, repository));
      await store.storePulledLayer(diffId, tar);
    } else {
      // Stored as it comes, checked against its digest; its DiffID at its first use.
      await store.storePulledBlob(diffId, counted, layer);
    }
  });
  const { image, kept } = await store.addPulledImage(fetched.bytes, configBytes, names);
  return { ...base, blobs: [...blobs, { digest: manifest.config.digest, size: configBytes.length, kind: 'config', outcome: 'received' }], bytes, imageBytes, image, keptManifest: kept };
}

async function requireManifest(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest> {
  const fetched = await getManifest(client, repository, reference);
  if (fetched === undefined) throw client.error({ repository }, 'MANIFEST_UNKNOWN', `no manifest ${reference}`);
  return fetched;
}

/** A config: small, read whole and hashed. */
async function fetchSmallBlob(client: RegistryClient, repository: string, digest: string): Promise<Uint8Array> {
  const bytes = await gatherBytes(blobChunks(client, repository, digest));
  const actual = sha256Digest(bytes);
  if (actual !== digest) throw client.error({ repository }, 'DIGEST_INVALID', `blob ${digest} does not match its digest: got ${actual}`);
  return bytes;
}

async function* counting(chunks: AsyncIterable<Uint8Array>, count: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    count(chunk.length);
    yield chunk;
  }
}

/** The chunks, then a `DIGEST_INVALID` error instead of the end when they do not hash to `digest`. */
async function* checked(chunks: AsyncIterable<Uint8Array>, digest: string, client: RegistryClient, repository: string): AsyncGenerator<Uint8Array> {
  const running = new RunningDigest();
  for await (const chunk of chunks) {
    running.update(chunk);
    yield chunk;
  }
  const actual = running.finish();
  if (actual !== digest) throw client.error({ repository }, 'DIGEST_INVALID', `blob ${digest} does not match its digest: got ${actual}`);
}
