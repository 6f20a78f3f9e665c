import { describe, expect, it } from 'vitest';
import { Layer, Overlay } from '../../../src/index.js';
import { overlayToVolume } from '../../../src/interop/index.js';

const T = Date.UTC(2022, 1, 2);
const base = Layer.fromEntries([
  { path: '/etc/hosts', type: 'file', content: 'localhost\n', mtime: T },
  { path: '/etc/passwd', type: 'file', content: 'root\n', mtime: T },
  { path: '/bin/sh', type: 'file', content: 'ELF', mode: 0o755, mtime: T },
  { path: '/bin/bash', type: 'hardlink', target: '/bin/sh' },
]);

describe('overlayToVolume', () => {
  it("copies the merged view: lower files, upper changes, whiteouts applied", () => {
    const ov = new Overlay({ lowers: [base], clock: () => T });
    ov.fs.appendFileSync('/etc/hosts', '::1\n');
    ov.fs.unlinkSync('/etc/passwd');
    ov.fs.mkdirSync('/data', { mode: 0o700 });
    ov.fs.writeFileSync('/data/x', 'x');
    ov.fs.symlinkSync('../etc/hosts', '/data/hosts');
    const vol = overlayToVolume(ov);
    expect(vol.readFileSync('/etc/hosts', 'utf8')).toBe('localhost\n::1\n');
    expect(vol.existsSync('/etc/passwd')).toBe(false);
    expect(vol.statSync('/data').mode & 0o7777).toBe(0o700);
    expect(vol.readlinkSync('/data/hosts')).toBe('../etc/hosts');
    expect(vol.readFileSync('/data/x', 'utf8')).toBe('x');
  });

  it('keeps hard links and attributes', () => {
    const ov = new Overlay({ lowers: [base] });
    ov.fs.linkSync('/etc/hosts', '/etc/hosts2');
    const vol = overlayToVolume(ov);
    expect(vol.statSync('/bin/bash').ino).toBe(vol.statSync('/bin/sh').ino);
    expect(vol.statSync('/etc/hosts2').ino).toBe(vol.statSync('/etc/hosts').ino);
    expect(vol.statSync('/bin/sh').mode & 0o7777).toBe(0o755);
    expect(vol.statSync('/bin/sh').mtimeMs).toBe(T);
  });

  it('only reads the overlay: nothing is copied up', () => {
    const ov = new Overlay({ lowers: [base] });
    overlayToVolume(ov);
    expect(ov.diff()).toEqual([]);
  });
});
