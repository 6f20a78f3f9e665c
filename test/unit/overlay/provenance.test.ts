import { describe, expect, it } from 'vitest';
import { Layer, Overlay, flatten } from '../../../src/index.js';

const base = Layer.fromEntries([
  { path: '/etc/os-release', type: 'file', content: 'debian' },
  { path: '/etc/hosts', type: 'file', content: 'h' },
  { path: '/var/cache/a', type: 'file', content: 'a' },
  { path: '/var/cache/b', type: 'file', content: 'b' },
]);
const deps = Layer.fromEntries([
  { path: '/etc/hosts', type: 'file', content: 'h2' },
  { path: '/var/cache', type: 'opaque' },
  { path: '/var/cache/c', type: 'file', content: 'c' },
  { path: '/etc/os-release', type: 'whiteout' },
]);

describe('explain', () => {
  it('names the providing layer and what each layer below does', () => {
    const ov = new Overlay({ lowers: [base, deps] });
    expect(ov.explain('/etc/hosts')).toMatchObject({
      exists: true,
      type: 'file',
      providedBy: 1,
      copiedUp: false,
      layers: [
        { layer: 1, entry: 'file', role: 'provides' },
        { layer: 0, entry: 'file', role: 'hidden', by: 'file /etc/hosts in layer 1' },
      ],
    });
    expect(ov.explain('/etc/os-release')).toMatchObject({
      exists: false,
      layers: [
        { layer: 1, entry: 'whiteout', role: 'deletes' },
        { layer: 0, entry: 'file', role: 'hidden', by: 'whiteout /etc/os-release in layer 1' },
      ],
    });
    expect(ov.explain('/var/cache/a').layers).toEqual([{ layer: 0, entry: 'file', role: 'hidden', by: 'opaque dir /var/cache in layer 1' }]);
    expect(ov.explain('/etc').layers.map((f) => f.role)).toEqual(['provides', 'merged']);
  });

  it('follows copy-up and whiteouts in the upper layer', () => {
    const ov = new Overlay({ lowers: [base, deps] });
    ov.fs.appendFileSync('/etc/hosts', '!');
    ov.fs.rmSync('/var', { recursive: true });
    expect(ov.explain('/etc/hosts')).toMatchObject({ providedBy: 'upper', copiedUp: true });
    expect(ov.explain('/var/cache/c').layers).toEqual([
      { layer: 1, entry: 'file', role: 'hidden', by: 'whiteout /var in the upper layer' },
    ]);
  });
});

describe('explain names the layer whose attributes stat shows', () => {
  it('an explicit directory below, only implied as a parent above: the explicit one provides', () => {
    const ov = new Overlay({
      lowers: [Layer.fromEntries([{ path: '/a', type: 'dir', mode: 0o700 }]), Layer.fromEntries([{ path: '/a/x', type: 'file', content: 'x' }])],
    });
    expect(ov.fs.statSync('/a').mode & 0o7777).toBe(0o700);
    // was: providedBy 1, layer 1 'provides' and layer 0 'merged' (layer 1 only implies /a)
    expect(ov.explain('/a')).toMatchObject({
      providedBy: 0,
      layers: [
        { layer: 1, entry: 'dir', role: 'merged' },
        { layer: 0, entry: 'dir', role: 'provides' },
      ],
    });
  });

  it('index=on: a name shown through the index copy of a lower hard link is provided by the upper layer', () => {
    const lower = Layer.fromEntries([
      { path: '/f', type: 'file', content: 'x', mode: 0o644 },
      { path: '/g', type: 'hardlink', target: '/f' },
    ]);
    const ov = new Overlay({ lowers: [lower], index: true });
    ov.fs.chmodSync('/f', 0o600);
    expect(ov.fs.statSync('/g').mode & 0o7777).toBe(0o600);
    // was: providedBy 0, whose /g has mode 0644
    expect(ov.explain('/g')).toMatchObject({
      providedBy: 'upper',
      copiedUp: true,
      layers: [{ layer: 0, entry: 'file', role: 'shadowed', by: "its copy-up in the upper layer's index" }],
    });
  });
});

describe('diff', () => {
  it('reports a type change as one C with the new children added', () => {
    const ov = new Overlay({ lowers: [base] });
    ov.fs.unlinkSync('/etc/hosts');
    ov.fs.mkdirSync('/etc/hosts');
    ov.fs.writeFileSync('/etc/hosts/x', '');
    expect(ov.diff()).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/hosts' },
      { kind: 'A', path: '/etc/hosts/x' },
    ]);
  });

  it('ignores copy-up without change and a directory mtime', () => {
    const ov = new Overlay({ lowers: [base] });
    ov.fs.closeSync(ov.fs.openSync('/etc/hosts', 'r+'));
    ov.fs.writeFileSync('/etc/new', '');
    ov.fs.unlinkSync('/etc/new');
    expect(ov.diff()).toEqual([]);
  });

  it('compares by what stat and read show: a rename over an identical name is no change', async () => {
    const lower = Layer.fromEntries([
      { path: '/b', type: 'symlink', target: 't', mtime: 1_600_000_000_000 },
      { path: '/a', type: 'symlink', target: 't', mtime: 1_600_000_000_000 },
      { path: '/c', type: 'file', content: 'same', mtime: 1_600_000_000_000 },
      { path: '/d', type: 'file', content: 'same', mtime: 1_600_000_000_000 },
      { path: '/e', type: 'file', content: 'diff', mtime: 1_600_000_000_000 },
    ]);
    const ov = new Overlay({ lowers: [lower] });
    ov.fs.renameSync('/b', '/a');
    ov.fs.renameSync('/c', '/d');
    ov.fs.renameSync('/e', '/f');
    const expected = [
      { kind: 'D', path: '/b' },
      { kind: 'D', path: '/c' },
      { kind: 'D', path: '/e' },
      { kind: 'A', path: '/f' },
    ];
    expect(ov.diff()).toEqual(expected);
    // The same upper saved and restored (identity lost) gives the same answer.
    const again = new Overlay({ lowers: [lower], upper: await ov.commit() });
    expect(again.diff()).toEqual(expected);
  });

  it('index=on: a change of times alone to names the upper does not hold is not reported, as commit does not write it', async () => {
    const lower = Layer.fromEntries([
      { path: '/a', type: 'file', content: 'x', mtime: 1_600_000_000_000 },
      { path: '/b', type: 'hardlink', target: '/a' },
      { path: '/c', type: 'hardlink', target: '/a' },
    ]);
    const ov = new Overlay({ lowers: [lower], index: true });
    ov.fs.utimesSync('/c', 1000, 1000);
    ov.fs.unlinkSync('/c');
    expect(ov.diff()).toEqual([{ kind: 'D', path: '/c' }]);
    expect((await ov.commit()).entries().map((e) => `${e.type} ${e.path}`)).toEqual(['whiteout /c']);
    ov.fs.chmodSync('/a', 0o600); // a change the other names must show: written and reported
    expect(ov.diff()).toEqual([
      { kind: 'C', path: '/a' },
      { kind: 'C', path: '/b' },
      { kind: 'D', path: '/c' },
    ]);
  });

  it('redirectDir: a directory renamed over a removed one is compared with what it now shows', () => {
    const lower = Layer.fromEntries([
      { path: '/a/d', type: 'dir', uid: 1 },
      { path: '/c/d', type: 'dir', uid: 0 },
    ]);
    const ov = new Overlay({ lowers: [lower], redirectDir: true });
    ov.fs.rmSync('/a', { recursive: true });
    ov.fs.renameSync('/c', '/a');
    expect(ov.diff()).toEqual([
      { kind: 'C', path: '/a' },
      { kind: 'C', path: '/a/d' }, // was: missed, the old /a/d's owner taken for the new one
      { kind: 'D', path: '/c' },
    ]);
  });

  it('an opaque dir over nothing below is an addition, not a deletion', () => {
    const ov = new Overlay({ lowers: [base] });
    ov.fs.mkdirSync('/srv');
    expect(ov.diff()).toEqual([{ kind: 'A', path: '/srv' }]);
  });
});

describe('flatten and restore', () => {
  it('flatten gives the same view as the stack', () => {
    const flat = flatten([base, deps]);
    expect(flat.entries().some((e) => e.type === 'whiteout' || e.type === 'opaque')).toBe(false);
    const a = new Overlay({ lowers: [base, deps] });
    const b = new Overlay({ lowers: [flat] });
    for (const p of ['/etc', '/var/cache']) expect(b.fs.readdirSync(p)).toEqual(a.fs.readdirSync(p));
    expect(b.fs.readFileSync('/etc/hosts', 'utf8')).toBe('h2');
  });

  it('an upper layer restored onto the same lowers continues where it was', async () => {
    const ov = new Overlay({ lowers: [base, deps] });
    ov.fs.rmSync('/var/cache', { recursive: true });
    ov.fs.mkdirSync('/var/cache');
    ov.fs.unlinkSync('/etc/hosts');
    const upper = await ov.commit();
    const again = new Overlay({ lowers: [base, deps], upper });
    expect(again.diff()).toEqual(ov.diff());
    again.fs.writeFileSync('/var/cache/new', 'n');
    expect(again.fs.readdirSync('/var/cache')).toEqual(['new']);
    expect((await again.commit()).entries().map((e) => `${e.type} ${e.path}`)).toEqual([
      'dir /etc',
      'whiteout /etc/hosts',
      'dir /var',
      'opaque /var/cache',
      'file /var/cache/new',
    ]);
  });
});
