import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import {
  MediaTypes,
  archiveFileBytes,
  archiveFiles,
  memorySource,
  type ArchiveFile,
  type BlobReader,
  blobPath,
  encodeConfig,
  encodeManifest,
  imageConfig,
  imageManifest,
  readDockerArchive,
  readImageArchive,
  readOciLayout,
  type FileSource,
  type StoredImageBlobs,
} from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

const source = (files: Map<string, Uint8Array>): FileSource => memorySource(files);
const inMemory = async (files: ArchiveFile[]): Promise<Map<string, Uint8Array>> => new Map(await Promise.all(files.map(async (f) => [f.path, await archiveFileBytes(f)] as const)));
async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
/** A reader over blobs in memory; layer tars are stored as they are (uncompressed) and their size and digest are left for the writer to check. */
const readerOf = (blobs: Map<string, Uint8Array>): BlobReader => ({
  blobChunks: (d) => once(blobs.get(d)!),
  layerTar: async (d) => ({ size: blobs.get(d.digest)!.length, chunks: () => once(blobs.get(d.digest)!) }),
});
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

function storedImage(names: string[]): { image: StoredImageBlobs; blobs: Map<string, Uint8Array>; layers: Layer[] } {
  const layers = [
    Layer.fromEntries([{ path: '/etc/os', type: 'file', content: 'base' }], { history: { createdBy: 'base' } }),
    Layer.fromEntries([{ path: '/etc/os', type: 'whiteout' }, { path: '/app/x', type: 'file', content: 'x' }], { history: { createdBy: 'app' } }),
  ];
  const config = imageConfig({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' }, layers);
  const blobs = new Map<string, Uint8Array>();
  const layerDescriptors = layers.map((l) => {
    const tar = l.toTar();
    blobs.set(l.diffId, tar);
    return { mediaType: MediaTypes.ociLayer, digest: l.diffId, size: tar.length };
  });
  const c = encodeConfig(config);
  blobs.set(c.descriptor.digest, c.bytes);
  const m = encodeManifest(imageManifest(c.descriptor, layerDescriptors));
  blobs.set(m.descriptor.digest, m.bytes);
  return {
    image: { names, manifest: imageManifest(c.descriptor, layerDescriptors), manifestBytes: m.bytes, manifestDigest: m.descriptor.digest, configBytes: c.bytes, config },
    blobs,
    layers,
  };
}

describe('image archives', () => {
  it('round-trips an OCI layout and a Docker 25+ archive', async () => {
    const { image, blobs, layers } = storedImage(['demo/app:1.0']);
    const reader = readerOf(blobs);
    for (const format of ['oci', 'docker'] as const) {
      const files = await archiveFiles([image], format, reader);
      const map = await inMemory(files);
      expect(map.has('oci-layout')).toBe(true);
      expect(map.has('manifest.json')).toBe(format === 'docker');
      const [read] = await readImageArchive(source(map));
      expect(read!.names).toEqual(['demo/app:1.0']);
      expect(sha256Digest(read!.configBytes)).toBe(image.manifest.config.digest);
      expect(read!.layers.map((l) => l.diffId)).toEqual(layers.map((l) => l.diffId));
      for (const [i, l] of read!.layers.entries()) expect(sha256Digest(await l.read())).toBe(layers[i]!.diffId);
      if (format === 'docker') {
        const items = JSON.parse(new TextDecoder().decode(map.get('manifest.json')!)) as { Config: string; RepoTags: string[]; Layers: string[] }[];
        expect(items[0]!.RepoTags).toEqual(['demo/app:1.0']);
        expect(items[0]!.Layers).toEqual(layers.map((l) => blobPath(l.diffId)));
        // The same tar read the legacy way (manifest.json only) gives the same image.
        const [legacy] = await readDockerArchive(source(map));
        expect(legacy!.layers.map((l) => l.diffId)).toEqual(read!.layers.map((l) => l.diffId));
        expect(JSON.parse(new TextDecoder().decode(map.get('repositories')!))).toEqual({ 'demo/app': { '1.0': layers[1]!.diffId.slice(7) } });
      }
    }
  });

  it('reads a legacy docker-archive with <id>/layer.tar directories', async () => {
    const { image, layers } = storedImage([]);
    const files = new Map<string, Uint8Array>([
      ['manifest.json', enc([{ Config: 'cfg.json', RepoTags: ['docker.io/library/app:2'], Layers: ['aaa/layer.tar', './bbb/layer.tar'] }])],
      ['cfg.json', image.configBytes],
      ['aaa/layer.tar', layers[0]!.toTar()],
      ['bbb/layer.tar', layers[1]!.toTar()],
    ]);
    const [read] = await readImageArchive(source(files));
    expect(read!.names).toEqual(['app:2']);
    expect(await read!.layers[1]!.read()).toEqual(layers[1]!.toTar());
  });

  it('refuses archives that lie: digests, paths, layer counts', async () => {
    const { image, blobs } = storedImage(['a:1']);
    const reader = readerOf(blobs);
    const map = await inMemory(await archiveFiles([image], 'oci', reader));
    const tampered = new Map(map);
    tampered.set(blobPath(image.manifest.config.digest), enc({ architecture: 'arm64' }));
    await expect(readOciLayout(source(tampered))).rejects.toThrow(/does not match/);
    const escape = new Map([['manifest.json', enc([{ Config: '../etc/passwd', RepoTags: null, Layers: [] }])]]);
    await expect(readDockerArchive(source(escape))).rejects.toThrow(/leaves the archive/);
    const counts = new Map([
      ['manifest.json', enc([{ Config: 'c.json', RepoTags: null, Layers: [] }])],
      ['c.json', image.configBytes],
    ]);
    await expect(readDockerArchive(source(counts))).rejects.toThrow(/lists 0 layers/);
    await expect(readImageArchive(source(new Map()))).rejects.toThrow(/neither an OCI image layout/);
  });

  it('picks the platform manifest of a nested index', async () => {
    const { image, blobs } = storedImage([]);
    const reader = readerOf(blobs);
    const map = await inMemory(await archiveFiles([image], 'oci', reader));
    const nested = enc({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.ociManifest, digest: image.manifestDigest, size: image.manifestBytes.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.example.unknown', digest: image.manifestDigest, size: 1 },
      ],
    });
    map.set(blobPath(sha256Digest(nested)), nested);
    map.set(
      'index.json',
      enc({ schemaVersion: 2, manifests: [{ mediaType: MediaTypes.ociIndex, digest: sha256Digest(nested), size: nested.length, annotations: { 'org.opencontainers.image.ref.name': 'multi:1' } }] }),
    );
    const images = await readOciLayout(source(map), { os: 'linux', architecture: 'amd64' });
    expect(images.map((i) => i.names)).toEqual([['multi:1']]);
  });
});
