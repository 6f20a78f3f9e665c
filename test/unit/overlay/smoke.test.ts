import { describe, expect, it } from 'vitest';
import { Layer, Overlay } from '../../../src/index.js';

const base = Layer.fromEntries([
  { path: '/etc', type: 'dir' },
  { path: '/etc/hosts', type: 'file', content: 'localhost\n' },
  { path: '/etc/passwd', type: 'file', content: 'root\n' },
  { path: '/usr/bin/sh', type: 'file', content: 'ELF', mode: 0o755 },
  { path: '/data/a', type: 'file', content: 'a' },
  { path: '/data/sub/b', type: 'file', content: 'b' },
]);
const top = Layer.fromEntries([
  { path: '/etc/passwd', type: 'whiteout' },
  { path: '/etc/motd', type: 'file', content: 'hi' },
]);

describe('overlay smoke', () => {
  it('merges, copies up, whites out', () => {
    const ov = new Overlay({ lowers: [base, top], clock: () => 1000 });
    const fs = ov.fs;
    expect(fs.readdirSync('/etc')).toEqual(['hosts', 'motd']);
    expect(fs.readFileSync('/etc/hosts', 'utf8')).toBe('localhost\n');
    expect(() => fs.readFileSync('/etc/passwd')).toThrow(/ENOENT: no such file or directory, open '\/etc\/passwd'/);
    fs.appendFileSync('/etc/hosts', '127.0.0.1\n');
    expect(fs.readFileSync('/etc/hosts', 'utf8')).toBe('localhost\n127.0.0.1\n');
    fs.unlinkSync('/etc/motd');
    fs.rmSync('/data', { recursive: true });
    fs.mkdirSync('/data');
    fs.writeFileSync('/data/new', 'n');
    expect(fs.readdirSync('/data')).toEqual(['new']);
    expect(() => fs.renameSync('/usr', '/usr2')).toThrow(/EXDEV/);
    expect(ov.diff()).toEqual([
      { kind: 'C', path: '/data' },
      { kind: 'D', path: '/data/a' },
      { kind: 'A', path: '/data/new' },
      { kind: 'D', path: '/data/sub' },
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/hosts' },
      { kind: 'D', path: '/etc/motd' },
    ]);
  });

  it('commit preserves the view', async () => {
    const ov = new Overlay({ lowers: [base, top], clock: () => 1000 });
    ov.fs.rmSync('/data', { recursive: true });
    ov.fs.mkdirSync('/data');
    ov.fs.writeFileSync('/data/x', 'x');
    ov.fs.unlinkSync('/etc/hosts');
    const layer = await ov.commit();
    expect(layer.entries().map((e) => `${e.type} ${e.path}`)).toEqual([
      'opaque /data',
      'file /data/x',
      'dir /etc',
      'whiteout /etc/hosts',
    ]);
    const again = new Overlay({ lowers: [base, top, layer] });
    expect(again.fs.readdirSync('/data')).toEqual(['x']);
    expect(again.fs.existsSync('/etc/hosts')).toBe(false);
    expect(again.fs.readdirSync('/etc')).toEqual(['motd']);
  });
});
