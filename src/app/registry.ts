/**
 * `overlay push` and `overlay pull` as use cases: which image goes where, which other
 * repositories may lend a blob by mount, and the report of what moved (src/registry).
 */
import { DomainError } from '../errors/index.js';
import type { Descriptor, Platform } from '../image/index.js';
import { parseRemoteReference, pullImage, pushImage, type PullResult, type RegistryClient, type RemoteReference, type TransferReport, type ZstdDecoder } from '../registry/index.js';
import type { ProgressSink, Store } from '../store/index.js';

/** A client for a registry host, with the user's credentials and transport choices. */
export type ConnectRegistry = (registry: string) => Promise<RegistryClient>;

export interface TransferOptions {
  dryRun?: boolean;
  /** A progress sink per blob moved. */
  progress?: (blob: Descriptor) => ProgressSink | undefined;
}

/**
 * Pushes a stored image to `target` (`REGISTRY/NAME[:TAG]`; default: the image's own name when
 * it names a registry). Blobs another repository of the same registry holds (by the names of
 * the store's images) are mounted from there.
 */
export async function pushToRegistry(store: Store, imageRef: string, target: string | undefined, connect: ConnectRegistry, options: TransferOptions = {}): Promise<TransferReport> {
  const image = store.resolveImage(imageRef);
  const ref = remoteTarget(target ?? imageRef);
  const client = await connect(ref.registry);
  return pushImage(
    client,
    ref.repository,
    ref.tag ?? 'latest',
    {
      manifestBytes: image.manifestBytes,
      manifestDigest: image.manifestDigest,
      ...(image.manifest.mediaType === undefined ? {} : { mediaType: image.manifest.mediaType }),
      config: image.manifest.config,
      layers: image.manifest.layers,
      blob: (digest) => store.blobChunks(digest),
    },
    {
      ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
      mountFrom: (digest) => repositoriesHolding(store, ref.registry, digest),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
    },
  );
}

/** Pulls `REGISTRY/NAME[:TAG|@DIGEST]` into the store. */
export async function pullFromRegistry(store: Store, reference: string, connect: ConnectRegistry, options: TransferOptions & { platform?: Platform; zstd?: ZstdDecoder } = {}): Promise<PullResult> {
  const ref = parseRemoteReference(reference);
  const client = await connect(ref.registry);
  return pullImage(client, ref, store, {
    ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    ...(options.zstd === undefined ? {} : { zstd: options.zstd }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
}

function remoteTarget(text: string): RemoteReference {
  const ref = parseRemoteReference(text);
  if (ref.digest !== undefined) throw new DomainError('InvalidArgumentError', `push to a tag, not a digest: ${text}`, { reference: text });
  if (!text.startsWith(`${ref.registry}/`)) {
    throw new DomainError('InvalidArgumentError', `${text} names no registry: overlay push IMAGE REGISTRY/NAME[:TAG] (e.g. 127.0.0.1:5000/${ref.repository.replace(/^library\//, '')})`, { reference: text });
  }
  return ref;
}

/** Repositories of `registry` that hold the blob, by the names of the store's images. */
function repositoriesHolding(store: Store, registry: string, digest: string): string[] {
  const out = new Set<string>();
  for (const image of store.images()) {
    if (image.manifest.config.digest !== digest && !image.manifest.layers.some((l) => l.digest === digest)) continue;
    for (const name of image.names) {
      const ref = parseRemoteReference(name);
      if (ref.registry === registry && name.startsWith(`${registry}/`)) out.add(ref.repository);
    }
  }
  return [...out];
}
