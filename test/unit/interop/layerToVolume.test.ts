import { describe, expect, it } from 'vitest';
import { Volume } from 'memfs';
import { Layer } from '../../../src/index.js';
import { layerToVolume } from '../../../src/interop/index.js';

const T = Date.UTC(2020, 0, 2, 3, 4, 5, 678);

const base = Layer.fromEntries([
  { path: '/etc', type: 'dir', mode: 0o755, mtime: T },
  { path: '/etc/hosts', type: 'file', content: 'localhost\n', mode: 0o644, uid: 0, gid: 0, mtime: T },
  { path: '/etc/shadow', type: 'file', content: 'root:x\n', mode: 0o000, uid: 0, gid: 42, mtime: T },
  { path: '/bin/sh', type: 'file', content: 'ELF', mode: 0o755, mtime: T },
  { path: '/bin/bash', type: 'hardlink', target: '/bin/sh' },
  { path: '/ro', type: 'dir', mode: 0o555, uid: 7, gid: 8, mtime: T },
  { path: '/ro/file', type: 'file', content: 'r', mode: 0o444, mtime: T },
  { path: '/usr/lib/x', type: 'file', content: 'implicit parents' },
  { path: '/link', type: 'symlink', target: '/etc/hosts', uid: 3, gid: 4, mtime: T },
]);
const top = Layer.fromEntries([
  { path: '/etc/hosts', type: 'whiteout' },
  { path: '/ro', type: 'opaque', mode: 0o750, mtime: T },
  { path: '/ro/new', type: 'file', content: 'n' },
]);

describe('layerToVolume', () => {
  it('writes files with data, mode, owner and mtime', () => {
    const vol = layerToVolume(base);
    expect(vol.readFileSync('/etc/hosts', 'utf8')).toBe('localhost\n');
    const st = vol.statSync('/etc/shadow');
    expect(st.mode & 0o7777).toBe(0o000);
    expect([st.uid, st.gid]).toEqual([0, 42]);
    expect(st.mtimeMs).toBe(T);
    expect(vol.statSync('/bin/sh').mode & 0o7777).toBe(0o755);
  });

  it('writes directories (implicit ones too) with their attributes, after their contents', () => {
    const vol = layerToVolume(base);
    const ro = vol.statSync('/ro');
    expect(ro.isDirectory()).toBe(true);
    expect(ro.mode & 0o7777).toBe(0o555);
    expect([ro.uid, ro.gid, ro.mtimeMs]).toEqual([7, 8, T]);
    expect(vol.readFileSync('/ro/file', 'utf8')).toBe('r');
    expect(vol.statSync('/usr/lib').isDirectory()).toBe(true);
    expect(vol.statSync('/usr/lib').mode & 0o7777).toBe(0o755);
  });

  it('writes symlinks with their target and owner', () => {
    const vol = layerToVolume(base);
    expect(vol.readlinkSync('/link')).toBe('/etc/hosts');
    const st = vol.lstatSync('/link');
    expect(st.isSymbolicLink()).toBe(true);
    expect([st.uid, st.gid, st.mtimeMs]).toEqual([3, 4, T]);
  });

  it('writes hard links as one inode', () => {
    const vol = layerToVolume(base);
    const a = vol.statSync('/bin/sh');
    const b = vol.statSync('/bin/bash');
    expect(b.ino).toBe(a.ino);
    expect(a.nlink).toBe(2);
  });

  it('flattens a stack: whiteouts and opaque directories applied', () => {
    const vol = layerToVolume([base, top]);
    expect(vol.existsSync('/etc/hosts')).toBe(false);
    expect(vol.readdirSync('/etc')).toEqual(['shadow']);
    expect(vol.readdirSync('/ro')).toEqual(['new']);
    expect(vol.statSync('/ro').mode & 0o7777).toBe(0o750);
    // The symlink is kept even though its target is gone.
    expect(vol.readlinkSync('/link')).toBe('/etc/hosts');
  });

  it('shows a lone layer without its whiteouts (their parents stay, as on disk)', () => {
    const vol = layerToVolume(top);
    expect(vol.readdirSync('/')).toEqual(['etc', 'ro']);
    expect(vol.readdirSync('/etc')).toEqual([]);
  });

  it('writes under a root directory of an existing volume', () => {
    const vol = new Volume();
    vol.writeFileSync('/keep', 'k');
    expect(layerToVolume(base, { volume: vol, root: '/srv/app/' })).toBe(vol);
    expect(vol.readFileSync('/keep', 'utf8')).toBe('k');
    expect(vol.readFileSync('/srv/app/etc/hosts', 'utf8')).toBe('localhost\n');
    expect(vol.readlinkSync('/srv/app/link')).toBe('/etc/hosts');
  });

  it('does not share bytes with the layer', () => {
    const layer = Layer.fromEntries([{ path: '/f', type: 'file', content: 'abc', mode: 0o644 }]);
    const vol = layerToVolume(layer);
    vol.writeFileSync('/f', 'xyz');
    expect(new TextDecoder().decode(layer.entries()[0]!.content)).toBe('abc');
  });

  it("leaves memfs's own permission checks in place afterwards", () => {
    const vol = layerToVolume(Layer.fromEntries([{ path: '/ro', type: 'file', content: 'r', mode: 0o444 }]));
    // memfs checks mode bits for every uid (a memfs deviation from Linux root); the converter
    // lifts them only while it runs.
    expect(() => vol.writeFileSync('/ro', 'w')).toThrow(/EACCES/);
  });
});
