/** The store's pure rules: tags, index.json, Docker's rmi policy, reference counts, disk usage. */
import { describe, expect, it } from 'vitest';
import type { ImageManifest } from '../../../src/image/index.js';
import {
  TagIndex,
  countReferences,
  diskUsage,
  indexDocument,
  planImageRemoval,
  prunableImages,
  storeRoots,
  unreferencedBlobs,
  type ContainerRecord,
  type ImageRecord,
} from '../../../src/store/index.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;
/** An image ID (config digest) that ends in `m`. */
const ID = (m: string): string => `sha256:${'c'.repeat(63)}${m}`;
const manifest = (config: string, layers: string[]): ImageManifest => ({
  schemaVersion: 2,
  config: { mediaType: 'c', digest: config, size: 1 },
  layers: layers.map((l) => ({ mediaType: 'l', digest: D(l), size: 1 })),
});
const image = (m: string, names: string[], layers: string[] = ['0']): ImageRecord => ({
  id: ID(m),
  manifestDigest: D(m),
  manifest: manifest(ID(m), layers),
  manifestBytes: new Uint8Array(10),
  config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
  configBytes: new Uint8Array(5),
  names,
  size: 15 + layers.length,
});
const container = (name: string, on: ImageRecord): ContainerRecord => ({ id: D('9'), name, image: on.manifestDigest, imageId: on.id, created: '2024-01-01T00:00:00.000Z' });

describe('TagIndex', () => {
  it('moves a name, keeps the first name when loading, and lists names sorted', () => {
    const tags = new TagIndex();
    expect(tags.set('b:1', D('1'))).toBeUndefined();
    expect(tags.set('a:1', D('1'))).toBeUndefined();
    expect(tags.set('a:1', D('1'))).toBeUndefined(); // same image: nothing moved
    expect(tags.namesOf(D('1'))).toEqual(['a:1', 'b:1']);
    expect(tags.set('a:1', D('2'))).toBe(D('1'));
    expect(tags.namesOf(D('1'))).toEqual(['b:1']);
    expect(tags.add('a:1', D('3'))).toBe(false);
    expect(tags.get('a:1')).toBe(D('2'));
    expect(tags.delete('a:1')).toBe(true);
    expect(tags.namesOf(D('2'))).toEqual([]);
  });

  it('writes index.json: foreign entries first, then images by first name, untagged last', () => {
    const foreign = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D('8'), size: 3 };
    const index = indexDocument([image('2', []), image('1', ['z:1', 'b:1']), image('3', ['a:1'])], [foreign]);
    expect(index.manifests.map((m) => [m.digest, m.annotations?.['org.opencontainers.image.ref.name']])).toEqual([
      [D('8'), undefined],
      [D('3'), 'a:1'],
      [D('1'), 'z:1'],
      [D('1'), 'b:1'],
      [D('2'), undefined],
    ]);
  });
});

describe("Docker's rmi policy", () => {
  const two = image('1', ['a:1', 'a:2']);
  it('removes one name by name, every name by ID only with force', () => {
    expect(planImageRemoval(two, 'a:1', [], false)).toEqual({ untag: ['a:1'], dropImage: false, deleted: [] });
    expect(() => planImageRemoval(two, undefined, [], false)).toThrow(/has several names \(a:1, a:2\)/);
    expect(planImageRemoval(two, undefined, [], true)).toEqual({ untag: ['a:1', 'a:2'], dropImage: true, deleted: [two.id] });
  });

  it("keeps a container's image: refused without force, untagged (not deleted) with it", () => {
    const one = image('1', ['a:1']);
    const users = [container('web', one)];
    expect(() => planImageRemoval(one, 'a:1', users, false)).toThrow('image a:1 is used by container web; remove the container first or use --force');
    expect(planImageRemoval(one, 'a:1', users, true)).toEqual({ untag: ['a:1'], dropImage: true, deleted: [] });
    // An untagged image no container uses goes by ID.
    const bare = image('2', []);
    expect(planImageRemoval(bare, undefined, [], false)).toEqual({ untag: [], dropImage: true, deleted: [bare.id] });
  });

  it('prunes untagged images no container uses', () => {
    const used = image('1', []);
    const free = image('2', []);
    expect(prunableImages([used, free, image('3', ['a:1'])], [container('c', used)])).toEqual([free]);
  });
});

describe('reference counts and disk usage', () => {
  it('counts references: tags and containers hold manifests, manifests hold configs and layers', () => {
    const manifests = new Map([
      [D('1'), manifest(D('a'), ['0', '2'])],
      [D('3'), manifest(D('b'), ['0', '4'])],
    ]);
    const refs = countReferences(
      [
        { holder: 'tag x:1', manifestDigest: D('1') },
        { holder: 'tag x:2', manifestDigest: D('1') },
        { holder: 'container c', manifestDigest: D('3') },
      ],
      manifests,
    );
    expect(refs.counts.get(D('1'))).toBe(2);
    expect(refs.counts.get(D('0'))).toBe(2); // shared base layer: once per manifest
    expect(refs.counts.get(D('2'))).toBe(1);
    expect(refs.holders.get(D('3'))).toEqual(['container c']);
    expect(unreferencedBlobs([D('0'), D('5'), D('4'), D('9')], refs)).toEqual([D('5'), D('9')]);
  });

  it('takes roots from tags, untagged images and containers', () => {
    const tagged = image('1', ['a:1', 'b:1']);
    const untagged = image('2', []);
    expect(storeRoots([tagged, untagged], [container('web', untagged)])).toEqual([
      { holder: 'tag a:1', manifestDigest: D('1') },
      { holder: 'tag b:1', manifestDigest: D('1') },
      { holder: 'image cccccccccccc', manifestDigest: D('2') },
      { holder: 'container web', manifestDigest: D('2') },
    ]);
  });

  it('counts a shared layer once, as shared; unreferenced blobs apart; containers by their upper', () => {
    const a = image('1', ['a:1'], ['0', '2']);
    const b = image('3', ['b:1'], ['0']);
    const blobSizes = new Map([
      [D('0'), 100],
      [D('2'), 7],
      [D('1'), 10],
      [D('3'), 10],
      [ID('1'), 5],
      [ID('3'), 5],
      [D('6'), 1000],
    ]);
    const manifests = new Map([
      [a.manifestDigest, a.manifest],
      [b.manifestDigest, b.manifest],
    ]);
    const refs = countReferences(storeRoots([a, b], []), manifests);
    const usage = diskUsage({ images: [a, b], containerBytes: [512, 1024], blobSizes, refs });
    expect(usage.layers).toEqual({ count: 2, bytes: 107, sharedBytes: 100, uniqueBytes: 7 });
    expect(usage.images).toEqual({ count: 2, bytes: 100 + 7 + 10 + 10 + 5 + 5 });
    expect(usage.perImage.map((p) => [p.sharedBytes, p.uniqueBytes])).toEqual([
      [100, 7],
      [100, 0],
    ]);
    expect(usage.unreferenced).toEqual({ count: 1, bytes: 1000 });
    expect(usage.containers).toEqual({ count: 2, bytes: 1536 });
    expect(usage.totalBytes).toBe(1137 + 1536);
  });
});
