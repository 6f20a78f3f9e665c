import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/digest/index.js';
import { Layer, type LayerEntryInput } from '../../../src/layer/index.js';

/**
 * The canonical tar's bytes, pinned: these digests were computed with the writer as it stood
 * before the codec was reorganised into one member walk and one encoder (two encoders then:
 * one for the bytes, one for the digest), so any change to the bytes fails here.
 */
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

const RICH: LayerEntryInput[] = [
  { path: '/', type: 'opaque', mode: 0o755, mtime: 1_600_000_000_000 },
  { path: '/etc', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 1_700_000_000_000 },
  { path: '/etc/hosts', type: 'file', content: 'hosts\n', mode: 0o644, mtime: 1_700_000_000_250 },
  { path: '/etc/hosts.hard', type: 'hardlink', target: '/etc/hosts' },
  { path: '/etc/zz-hosts', type: 'hardlink', target: '/etc/hosts.hard' },
  // 101-255 ASCII bytes: split into prefix and name; beyond: a PAX path record.
  { path: `/usr/share/${'p'.repeat(120)}/${'n'.repeat(90)}`, type: 'file', content: bytes(512, 1) },
  { path: `/usr/share/${'q'.repeat(300)}`, type: 'file', content: bytes(513, 2), uid: 0o7777777 + 1, gid: 2 ** 32 },
  { path: `/usr/share/${'q'.repeat(300)}.link`, type: 'hardlink', target: `/usr/share/${'q'.repeat(300)}` },
  { path: '/usr/share/café/naïve-😀', type: 'file', content: bytes(20_000, 3), mtime: -1_500 },
  { path: '/usr/lib/big', type: 'file', content: bytes(300_001, 4), xattrs: { 'security.capability': 'cap', 'user.ü': 'v'.repeat(700) } },
  { path: '/usr/lib/long-target', type: 'symlink', target: '/' + 'T'.repeat(150) },
  { path: '/usr/lib/utf8-target', type: 'symlink', target: '../€/😀', uid: 1000, gid: 1000, mtime: 1_700_000_000_001 },
  { path: '/usr/lib/utf8-target.hard', type: 'hardlink', target: '/usr/lib/utf8-target' },
  { path: '/var/cache', type: 'opaque', mode: 0o700, xattrs: { 'trusted.overlay.x': 'y' } },
  { path: '/var/cache/keep', type: 'file', content: '' },
  { path: '/var/gone', type: 'whiteout' },
  { path: '/var/implicit-opaque', type: 'whiteout' },
  { path: '/var/implicit-opaque/child', type: 'file', content: 'c' },
  { path: `/${'d'.repeat(140)}/${'e'.repeat(99)}`, type: 'dir', mode: 0o1777 },
  { path: `/${'w'.repeat(200)}`, type: 'whiteout' },
];

describe('canonical tar bytes, pinned', () => {
  it('a layer with long names, PAX records, hard links, xattrs, symlinks, whiteouts and opaque dirs', () => {
    const layer = Layer.fromEntries(RICH);
    const tar = layer.toTar();
    expect(tar.length).toBe(348_672);
    expect(sha256Digest(tar)).toBe('sha256:6b3b40d0ee27e5ea987e6cf41142f88186f42317761e48bc1037354fb728aa85');
    expect(layer.diffId).toBe(sha256Digest(tar));
  });

  it('digests headers larger than the hashing batch and the header slab like the bytes', () => {
    // A 300 KB xattr makes one PAX header bigger than either sink's buffer.
    const layer = Layer.fromEntries([
      { path: '/a', type: 'file', content: 'a' },
      { path: '/big-xattr', type: 'file', content: bytes(700, 5), xattrs: { 'user.big': 'x'.repeat(300_000) } },
      { path: '/z', type: 'file', content: 'z' },
    ]);
    const tar = layer.toTar();
    expect(tar.length).toBe(6 * 512 + 300_032 + 1024 + 1024);
    expect(layer.diffId).toBe(sha256Digest(tar));
  });
});
