/**
 * `overlay push`: a stored image to a registry repository, sending only the blobs the registry
 * lacks (OCI distribution-spec, "Pushing blobs", "Pushing manifests"). Every blob is checked
 * with `HEAD` before anything is sent, all at once, beside a `HEAD` of the tag; a blob that
 * another repository of the same registry holds is mounted; the rest are uploaded. Uploads keep
 * the crash-safety order of a registry: layers, then the config, then the manifest, so a
 * manifest never names a blob the registry lacks.
 */
import { MediaTypes, type Descriptor } from '../image/index.js';
import type { ProgressSink } from '../store/index.js';
import { blobSize, fromOffset, ping, startUpload, uploadBlob } from './blobs.js';
import { manifestDigestAt, putManifest } from './manifests.js';
import { inParallel } from './pool.js';
import type { BlobTransfer, TransferReport } from './report.js';
import type { RegistryClient } from './transport.js';

/** A stored image as a push reads it. */
export interface PushSource {
  manifestBytes: Uint8Array;
  manifestDigest: string;
  /** The manifest's media type (OCI or Docker schema2). */
  mediaType?: string;
  config: Descriptor;
  layers: readonly Descriptor[];
  /** A stored blob's bytes, checked against its digest as they stream. */
  blob(digest: string): AsyncIterable<Uint8Array>;
}

export interface PushOptions {
  dryRun?: boolean;
  /** Other repositories of this registry that may hold the blob (a mount is tried from each). */
  mountFrom?: (digest: string) => readonly string[];
  /** A progress sink per blob uploaded (one bar per layer on a terminal). */
  progress?: (blob: Descriptor, kind: BlobTransfer['kind']) => ProgressSink | undefined;
  /** Layers uploaded at once (default 3). */
  parallel?: number;
}

/** `HEAD` requests in flight at once: each is a stat on the registry's side, nothing to send. */
const CHECKS = 8;

export async function pushImage(client: RegistryClient, repository: string, tag: string, source: PushSource, options: PushOptions = {}): Promise<TransferReport> {
  await ping(client);
  const layerBlobs = dedupe(source.layers);
  // The questions first, together: a no-op re-push is one round of requests after the ping,
  // not one per step of the upload order.
  const [present, tagged] = await Promise.all([
    inParallel([...layerBlobs, source.config], CHECKS, async (d) => (await blobSize(client, repository, d.digest, true)) !== undefined),
    manifestDigestAt(client, repository, tag, true),
  ]);
  let bytes = 0;
  const one = async (descriptor: Descriptor, kind: BlobTransfer['kind'], exists: boolean): Promise<BlobTransfer> => {
    const base = { digest: descriptor.digest, size: descriptor.size, kind };
    if (exists) return { ...base, outcome: 'exists' };
    if (options.dryRun === true) {
      // A plan sends nothing: a mount is foreseen by a HEAD in the repository it would come from.
      for (const from of options.mountFrom?.(descriptor.digest) ?? []) {
        if (from !== repository && (await blobSize(client, from, descriptor.digest)) !== undefined) return { ...base, outcome: 'mounted', from };
      }
      bytes += descriptor.size;
      return { ...base, outcome: 'planned' };
    }
    let location: string | undefined;
    for (const from of options.mountFrom?.(descriptor.digest) ?? []) {
      if (from === repository) continue;
      const started = await startUpload(client, repository, { digest: descriptor.digest, from });
      if (started.mounted) return { ...base, outcome: 'mounted', from };
      // 202: the registry could not mount; the upload it opened is used instead.
      location = started.location;
      break;
    }
    if (location === undefined) {
      const started = await startUpload(client, repository);
      location = started.mounted ? undefined : started.location;
    }
    const progress = options.progress?.(descriptor, kind);
    progress?.setTotal?.(descriptor.size);
    await uploadBlob(client, repository, location!, { digest: descriptor.digest, size: descriptor.size, open: (offset) => fromOffset(source.blob(descriptor.digest), offset) }, (n) => {
      bytes += n;
      progress?.tick(n);
    });
    return { ...base, outcome: 'sent' };
  };
  const layers = await inParallel(layerBlobs, options.parallel ?? 3, (d, i) => one(d, 'layer', present[i]!));
  const config = await one(source.config, 'config', present[layerBlobs.length]!);
  // A tag that already names this manifest is left as it is: a re-push sends nothing.
  const there = tagged === source.manifestDigest;
  const manifest: BlobTransfer = { digest: source.manifestDigest, size: source.manifestBytes.length, kind: 'manifest', outcome: there ? 'exists' : options.dryRun === true ? 'planned' : 'sent' };
  if (!there) {
    if (options.dryRun !== true) await putManifest(client, repository, tag, source.manifestBytes, source.mediaType ?? MediaTypes.ociManifest);
    bytes += source.manifestBytes.length;
  }
  const imageBytes = source.manifestBytes.length + source.config.size + source.layers.reduce((n, l) => n + l.size, 0);
  return { direction: 'push', reference: `${client.registry}/${repository}:${tag}`, digest: source.manifestDigest, blobs: [...layers, config, manifest], bytes, imageBytes, dryRun: options.dryRun === true };
}

/** Each blob once (an image may name the same layer twice). */
function dedupe(descriptors: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return descriptors.filter((d) => !seen.has(d.digest) && seen.add(d.digest) !== undefined);
}
