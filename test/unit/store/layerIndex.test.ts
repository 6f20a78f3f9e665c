/**
 * The layer index format (src/store/layerIndex.ts, layerIndexBody.ts) on its own: a decoded
 * index is the layer it was made from (every attribute, link and marker), and an index whose
 * digests are right but whose body does not hold together is refused (then rebuilt), never used.
 */
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import { Layer, concatBytes, type LayerNode, type PositionedReader } from '../../../src/layer/index.js';
import { LAYER_INDEX_VERSION, checkLayerIndex, decodeLayerIndex, encodeLayerIndex, type LayerKey } from '../../../src/store/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function packReader(chunks: Iterable<Uint8Array>): PositionedReader & { reads: number } {
  const bytes = concatBytes([...chunks]);
  return {
    reads: 0,
    read(position, length) {
      this.reads++;
      return bytes.slice(position, position + length);
    },
  };
}

function roundTrip(layer: Layer): { decoded: Layer; pack: ReturnType<typeof packReader>; bytes: Uint8Array } {
  const key: LayerKey = { blob: sha256Digest(encoder.encode('blob')), diffId: layer.diffId };
  const encoded = encodeLayerIndex(layer, key, layer.tarSize);
  const pack = packReader(encoded.pack());
  const checked = checkLayerIndex(encoded.bytes, key);
  expect(checked?.header.version).toBe(LAYER_INDEX_VERSION);
  const decoded = decodeLayerIndex(checked!, pack);
  expect(decoded).toBeDefined();
  return { decoded: decoded!, pack, bytes: encoded.bytes };
}

/** What a mount sees of each node: kind, flags, attributes, link count and target, data size. */
function shape(layer: Layer): unknown[] {
  return layer.paths().map((path) => {
    const node = layer.node(path) as LayerNode;
    switch (node.kind) {
      case 'dir':
        return [path, 'dir', node.opaque, node.implicit, { ...node.meta }];
      case 'whiteout':
        return [path, 'whiteout'];
      case 'file':
        return [path, 'file', node.inode.nlink, node.inode.content.size, { ...node.inode.meta }];
      case 'symlink':
        return [path, 'symlink', node.inode.nlink, node.inode.target, { ...node.inode.meta }];
    }
  });
}

const big = new Uint8Array(70_000).map((_, i) => (i * 7) % 253);
const layer = Layer.fromEntries([
  { path: '/etc', type: 'dir', mode: 0o750, uid: 5_000_000_000, gid: 7, mtime: 1_700_000_000_123 },
  { path: '/etc/motd', type: 'file', content: 'hello', mtime: -86_400_000, xattrs: { 'user.b': '2', 'security.a': 'é=1' } },
  { path: '/etc/same', type: 'file', content: 'same attrs', xattrs: { 'security.a': 'é=1', 'user.b': '2' }, mtime: -86_400_000 },
  { path: '/bin/big', type: 'file', content: big, mode: 0o4755 },
  { path: '/bin/also', type: 'hardlink', target: '/bin/big' },
  { path: '/bin/third', type: 'hardlink', target: '/bin/also' },
  { path: '/bin/sh', type: 'symlink', target: '../bin/big', uid: 3 },
  { path: '/empty', type: 'file' },
  { path: '/gone', type: 'whiteout' },
  { path: '/gone/again/x', type: 'file', content: 'below a whiteout' },
  { path: '/var', type: 'opaque', mode: 0o700 },
  { path: '/deep/er/ünïcødé 名前 😀', type: 'file', content: 'names' },
  { path: '/odd/line\nbreak', type: 'symlink', target: 'tab\there' },
]);

describe('layer index', () => {
  it('decodes to the layer it was made from: nodes, attributes, links, markers and data', () => {
    const { decoded, pack } = roundTrip(layer);
    expect(shape(decoded)).toEqual(shape(layer));
    expect(pack.reads).toBe(0); // no file data is read to mount
    expect(decoded.entries()).toEqual(layer.entries());
    expect(decoded.diffId).toBe(layer.diffId);
    // Hard links stay one object; the implicit directories keep their default attributes.
    expect(decoded.node('/bin/also')).toBe(decoded.node('/bin/big'));
    expect(decoded.node('/bin/third')).toBe(decoded.node('/bin/big'));
    expect(decoded.node('/deep')).toMatchObject({ kind: 'dir', implicit: true, opaque: false });
  });

  it('gives its columns at once and builds its nodes once, on first use, for it and its copies with other history', () => {
    const { decoded } = roundTrip(layer);
    const copy = decoded.withHistory({ createdBy: 'RUN x' });
    expect(copy.columns()).toBe(decoded.columns());
    expect(decoded.columns().paths).toEqual(layer.paths());
    expect(decoded.size).toBe(layer.size);
    // The copy asks first: the nodes it gets are the original's, inodes and all.
    expect(copy.node('/bin/big')).toBe(decoded.node('/bin/big'));
    expect(copy.node('/etc')).toBe(decoded.node('/etc'));
  });

  it('keeps a name with a lone surrogate (which UTF-8 cannot carry) exactly', () => {
    const odd = Layer.fromEntries([
      { path: '/lone\ud800', type: 'file', content: 'x', xattrs: { 'user.\udc01': 'v\ud834' } },
      { path: '/pair😀', type: 'symlink', target: '\udfff' },
    ]);
    const { decoded } = roundTrip(odd);
    expect(shape(decoded)).toEqual(shape(odd));
    expect(decoded.node('/lone\ud800')).toBeDefined();
  });

  it("reads an ASCII table the same with Node's latin1 reader and without it (a browser)", () => {
    const ascii = Layer.fromEntries(Array.from({ length: 200 }, (_, i) => ({ path: `/usr/share/doc/pkg-${i % 7}/file ${i}.txt`, type: 'file' as const, content: `${i}` })));
    const withNode = roundTrip(ascii).decoded.paths();
    const proc = process as { getBuiltinModule?: unknown };
    const real = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    try {
      expect(roundTrip(ascii).decoded.paths()).toEqual(withNode);
    } finally {
      proc.getBuiltinModule = real;
    }
    expect(withNode).toEqual(ascii.paths());
  });

  it('lists and looks up row by row as the whole layer does, names that sort around "/" and surrogates included', () => {
    const names = ['a', 'a-b', 'a.c', 'a0', 'a/x', 'a/x/y', 'a/x-y', 'a/😀', 'a/\uffff', 'a/😀/in', 'b', 'é', '😀', '😀/z', 'lone\ud800'];
    const tricky = Layer.fromEntries([
      ...names.map((name) => ({ path: `/t/${name}/f`, type: 'file' as const, content: name })),
      { path: '/t/a/x/gone', type: 'whiteout' },
      { path: '/t/op', type: 'opaque' },
    ]);
    const { decoded } = roundTrip(tricky);
    // Asked before anything made every node: each answer comes from the sorted rows.
    for (const path of tricky.paths()) {
      const seen: [string, LayerNode][] = [];
      decoded.eachChild(path, (name, node) => seen.push([name, node]));
      expect(decoded.childNames(path), path).toEqual(tricky.childNames(path));
      expect(seen.map(([name]) => name)).toEqual(tricky.childNames(path));
      for (const [name, node] of seen) expect(node).toBe(decoded.node(path === '/' ? `/${name}` : `${path}/${name}`));
    }
    expect(decoded.node('/t/a/x')).toMatchObject({ kind: 'dir', implicit: true });
    expect(decoded.node('/t/nothing')).toBeUndefined();
    expect(decoded.childNames('/t/a/x/y/f')).toEqual([]);
    // The whole layer, made afterwards, holds the same nodes.
    const file = decoded.node('/t/😀/z/f');
    expect(decoded.entries()).toEqual(tricky.entries());
    expect(decoded.node('/t/😀/z/f')).toBe(file);
    expect(shape(decoded)).toEqual(shape(tricky));
  });

  it('decodes a large layer in its sorted order', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ path: `/d${i % 17}/f${i}`, type: 'file' as const, content: `${i}`, mtime: i % 5 }));
    const many = Layer.fromEntries(entries);
    const { decoded } = roundTrip(many);
    expect(decoded.paths()).toEqual(many.paths());
    expect(shape(decoded)).toEqual(shape(many));
    const node = decoded.node('/d3/f2944');
    expect(node?.kind === 'file' && node.inode.type === 'file' ? decoder.decode(node.inode.content.read(0, 10)) : undefined).toBe('2944');
  });

  it('refuses a body that does not hold together, even with right digests', () => {
    const key: LayerKey = { blob: sha256Digest(encoder.encode('blob')), diffId: layer.diffId };
    const encoded = encodeLayerIndex(layer, key, layer.tarSize);
    const checked = checkLayerIndex(encoded.bytes, key)!;
    const body = encoded.bytes.slice(checked.bodyStart);
    const counts = new Uint32Array(body.buffer, 0, 8);
    const bad: [string, (b: Uint8Array, c: Uint32Array) => void][] = [
      ['more nodes than the body holds', (_b, c) => (c[2] = c[2]! + 1000)],
      ['a string table cut short', (_b, c) => (c[6] = c[6]! + 1)],
      ['an unknown string-table kind', (_b, c) => (c[5] = 9)],
      ['trailing bytes', () => undefined],
    ];
    for (const [what, damage] of bad) {
      const copy = body.slice();
      damage(copy, new Uint32Array(copy.buffer, 0, 8));
      const damaged = what === 'trailing bytes' ? concatBytes([copy, new Uint8Array(8)]) : copy;
      const index = { header: { ...checked.header, body: sha256Digest(damaged) }, bytes: damaged, bodyStart: 0 };
      expect(decodeLayerIndex(index, packReader([])), what).toBeUndefined();
    }
    expect(counts[2]).toBe(layer.paths().length);
  });

  it('refuses an object that lies outside the pack', () => {
    const key: LayerKey = { blob: sha256Digest(encoder.encode('blob')), diffId: layer.diffId };
    const encoded = encodeLayerIndex(layer, key, layer.tarSize);
    const checked = checkLayerIndex(encoded.bytes, key)!;
    const index = { ...checked, header: { ...checked.header, packBytes: checked.header.packBytes - 1 } };
    expect(decodeLayerIndex(index, packReader(encoded.pack()))).toBeUndefined();
  });
});
