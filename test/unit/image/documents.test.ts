import { describe, expect, it } from 'vitest';
import { chainIds } from '../../../src/digest/index.js';
import {
  EMPTY_LAYER_DIFF_ID,
  canonicalJson,
  childConfig,
  encodeConfig,
  historyEntry,
  historyRows,
  imageConfig,
  isEmptyLayer,
  layerHistoryEntries,
  parseConfig,
  parseIndex,
  parseManifest,
} from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const D = (c: string): string => `sha256:${c.repeat(64)}`;

describe('OCI documents', () => {
  it('writes canonical JSON: sorted keys, no whitespace, undefined dropped', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"z":1}]},"b":1}');
  });

  it('validates configs (config.md)', () => {
    const good = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D('a')] }, history: [{ created_by: 'x' }] };
    expect(parseConfig(enc(good)).rootfs.diff_ids).toEqual([D('a')]);
    expect(() => parseConfig(enc({ ...good, rootfs: { type: 'other', diff_ids: [] } }))).toThrow(/rootfs.type must be "layers"/);
    expect(() => parseConfig(enc({ ...good, rootfs: { type: 'layers', diff_ids: ['nope'] } }))).toThrow(/diff_ids/);
    expect(() => parseConfig(enc({ ...good, history: [{}, {}] }))).toThrow(/too many non-empty layers/);
    expect(() => parseConfig(enc({ ...good, architecture: undefined }))).toThrow(/architecture/);
    expect(() => parseConfig(enc('{'))).toThrow(/not valid JSON/);
    // Unknown fields survive.
    expect(parseConfig(enc({ ...good, container_config: { Cmd: ['sh'] } }))['container_config']).toEqual({ Cmd: ['sh'] });
  });

  it('validates manifests and indexes', () => {
    const manifest = { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D('c'), size: 2 }, layers: [] };
    expect(parseManifest(enc(manifest)).config.digest).toBe(D('c'));
    expect(() => parseManifest(enc({ ...manifest, schemaVersion: 1 }))).toThrow(/schemaVersion/);
    expect(() => parseManifest(enc({ ...manifest, mediaType: 'application/vnd.oci.image.index.v1+json' }))).toThrow(/not an image manifest/);
    expect(() => parseManifest(enc({ ...manifest, config: { ...manifest.config, digest: 'sha256:xyz' } }))).toThrow(/digest/);
    expect(parseIndex(enc({ schemaVersion: 2, manifests: null })).manifests).toEqual([]);
  });

  it('builds configs with one history entry per layer and commits like docker commit', () => {
    const l0 = Layer.fromEntries([{ path: '/a', type: 'file', content: 'a' }], { history: { createdBy: 'ADD a' } });
    const config = imageConfig({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00.000Z' }, [l0]);
    expect(config.rootfs.diff_ids).toEqual([l0.diffId]);
    expect(config.history).toEqual([{ created: '2024-01-01T00:00:00.000Z', created_by: 'ADD a' }]);
    const empty = Layer.fromEntries([]);
    expect(isEmptyLayer(empty)).toBe(true);
    expect(empty.diffId).toBe(EMPTY_LAYER_DIFF_ID);
    const child = childConfig(config, { diffId: undefined, history: historyEntry({ createdBy: 'noop' }), created: '2024-01-02T00:00:00.000Z', author: 'me' });
    expect(child.rootfs.diff_ids).toEqual([l0.diffId]);
    expect(child.history!.at(-1)).toEqual({ created: '2024-01-02T00:00:00.000Z', created_by: 'noop', author: 'me', empty_layer: true });
    const grand = childConfig(child, { diffId: D('b'), history: historyEntry({ createdBy: 'write' }), created: '2024-01-03T00:00:00.000Z' });
    expect(grand.rootfs.diff_ids).toEqual([l0.diffId, D('b')]);
    expect(grand.author).toBeUndefined();
    // The image ID is the digest of the config bytes.
    expect(encodeConfig(grand).descriptor.digest).not.toBe(encodeConfig(child).descriptor.digest);
  });

  it('pairs history entries with DiffIDs, skipping empty layers', () => {
    const config = parseConfig(
      enc({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [D('a'), D('b'), D('c')] },
        history: [{ created_by: 'one' }, { created_by: 'env', empty_layer: true }, { created_by: 'two' }],
      }),
    );
    const rows = historyRows(config);
    expect(rows.map((r) => [r.createdBy, r.layerIndex, r.emptyLayer])).toEqual([
      ['one', 0, false],
      ['env', undefined, true],
      ['two', 1, false],
      ['', 2, false],
    ]);
    expect(rows[2]!.chainId).toBe(chainIds([D('a'), D('b')])[1]);
    expect(layerHistoryEntries(config).map((h) => h?.created_by)).toEqual(['one', 'two', undefined]);
  });
});
