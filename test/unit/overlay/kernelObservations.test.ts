/**
 * Behaviours the real kernel overlay showed when we mounted it in four modes, one case each,
 * numbered; source comments cite them as "kernelObservations.test.ts, case N". Here they are
 * checked on the emulator; the differential suite in test/conformance checks the same
 * operations against a real `mount -t overlay`.
 */
import { describe, expect, it } from 'vitest';
import { Layer, Overlay, type OverlayOptions } from '../../../src/index.js';
import { errorCode as code } from './errorCode.js';

const T0 = 1_600_000_000_000;
const lower = Layer.fromEntries([
  { path: '/d', type: 'dir', mode: 0o750, mtime: T0 },
  { path: '/d/f', type: 'file', content: 'lower', mode: 0o640, mtime: T0 },
  { path: '/d/g', type: 'file', content: 'g', mtime: T0 },
  { path: '/d/sub', type: 'dir', mtime: T0 },
  { path: '/d/sub/x', type: 'file', content: 'x', mtime: T0 },
  { path: '/empty', type: 'dir', mtime: T0 },
  { path: '/h1', type: 'file', content: 'linked', mtime: T0 },
  { path: '/h2', type: 'hardlink', target: '/h1' },
  { path: '/h3', type: 'hardlink', target: '/h1' },
  { path: '/ln', type: 'symlink', target: '/d' },
  { path: '/dangling', type: 'symlink', target: 'nowhere' },
  { path: '/abs', type: 'symlink', target: '/d/f' },
]);
const MODES: [string, OverlayOptions][] = [
  ['default', {}],
  ['redirect_dir=on', { redirectDir: true }],
  ['index=on', { index: true }],
  ['metacopy=on', { metacopy: true }],
];
const mount = (opts: OverlayOptions = {}, lowers: Layer[] = [lower]): Overlay => new Overlay({ lowers, clock: () => T0 + 5000, ...opts });
const upperPaths = async (ov: Overlay): Promise<string[]> => (await ov.commit()).entries().map((e) => `${e.type} ${e.path}`);

describe.each(MODES)('kernel observations (%s)', (_name, opts) => {
  it('1: copy-up on open for write, never on reads or failing opens', async () => {
    const ov = mount(opts);
    ov.fs.readFileSync('/d/f');
    ov.fs.statSync('/d/f');
    ov.fs.lstatSync('/ln');
    ov.fs.readlinkSync('/ln');
    ov.fs.readdirSync('/d');
    ov.fs.renameSync('/d/f', '/d/f');
    expect(code(() => ov.fs.openSync('/d/nope', 'r'))).toBe('ENOENT');
    expect(await upperPaths(ov)).toEqual([]);
    ov.fs.closeSync(ov.fs.openSync('/d/f', 'r+'));
    expect(await upperPaths(ov)).toEqual(['dir /d', 'file /d/f']);
    expect(ov.fs.statSync('/d/f').mode & 0o7777).toBe(0o640);
    expect(ov.fs.statSync('/d/f').mtimeMs).toBe(T0);
  });

  it('2: parents copied up with lower mode and mtime; only the changed dir gets a new mtime', () => {
    const ov = mount(opts);
    ov.fs.writeFileSync('/d/sub/new', 'n');
    expect(ov.fs.statSync('/d').mode & 0o7777).toBe(0o750);
    expect(ov.fs.statSync('/d').mtimeMs).toBe(T0);
    expect(ov.fs.statSync('/d/sub').mtimeMs).toBe(T0 + 5000);
  });

  it('3: unlink of a lower name leaves a whiteout; upper-only leaves nothing; empty-looking merged dir can be removed', async () => {
    const ov = mount(opts);
    ov.fs.writeFileSync('/d/new', 'n');
    ov.fs.unlinkSync('/d/new');
    ov.fs.unlinkSync('/d/sub/x');
    expect(await upperPaths(ov)).toEqual(['dir /d', 'dir /d/sub', 'whiteout /d/sub/x']);
    ov.fs.rmdirSync('/d/sub');
    expect(await upperPaths(ov)).toEqual(['dir /d', 'whiteout /d/sub']);
    expect(code(() => ov.fs.rmdirSync('/d'))).toBe('ENOTEMPTY');
  });

  it('4: recreate after delete: file replaces the whiteout, dir is opaque', async () => {
    const ov = mount(opts);
    ov.fs.rmSync('/d/sub', { recursive: true });
    ov.fs.mkdirSync('/d/sub');
    expect(ov.fs.readdirSync('/d/sub')).toEqual([]);
    ov.fs.unlinkSync('/d/g');
    ov.fs.writeFileSync('/d/g', 'again');
    expect(await upperPaths(ov)).toEqual(['dir /d', 'file /d/g', 'opaque /d/sub']);
  });

  it('6: renaming a directory with a lower part is EXDEV unless redirect_dir', async () => {
    const ov = mount(opts);
    const err = code(() => ov.fs.renameSync('/d/sub', '/d/moved'));
    if (ov.options.redirectDir) {
      expect(err).toBeUndefined();
      expect(ov.fs.readdirSync('/d/moved')).toEqual(['x']);
      expect(ov.fs.existsSync('/d/sub')).toBe(false);
      expect(ov.explain('/d/moved').redirect).toBe('/d/sub');
      // The committed layer expresses the redirect as an opaque directory with full content.
      const entries = await upperPaths(ov);
      expect(entries).toEqual(['dir /d', 'opaque /d/moved', 'file /d/moved/x', 'whiteout /d/sub']);
      const again = new Overlay({ lowers: [lower, await ov.commit()] });
      expect(again.fs.readFileSync('/d/moved/x', 'utf8')).toBe('x');
    } else {
      expect(err).toBe('EXDEV');
      expect(code(() => ov.fs.renameSync('/empty', '/e2'))).toBe('EXDEV');
    }
    ov.fs.mkdirSync('/fresh');
    ov.fs.renameSync('/fresh', '/fresh2');
    expect(ov.fs.statSync('/fresh2').isDirectory()).toBe(true);
  });

  it('7: rename of a lower file copies up the new name and whites out the old; errors', async () => {
    const ov = mount(opts);
    ov.fs.renameSync('/d/f', '/d/f2');
    expect(ov.fs.readFileSync('/d/f2', 'utf8')).toBe('lower');
    expect(await upperPaths(ov)).toEqual(['dir /d', 'whiteout /d/f', 'file /d/f2']);
    expect(code(() => ov.fs.renameSync('/d/g', '/d/sub'))).toBe('EISDIR');
    ov.fs.mkdirSync('/nd');
    expect(code(() => ov.fs.renameSync('/nd', '/d/g'))).toBe('ENOTDIR');
    expect(code(() => ov.fs.renameSync('/nd', '/nd/inner'))).toBe('EINVAL');
    ov.fs.writeFileSync('/nd/x', '');
    ov.fs.mkdirSync('/nd2');
    expect(code(() => ov.fs.renameSync('/nd2', '/nd'))).toBe('ENOTEMPTY');
    // A new dir may replace an empty lower dir; the result hides the lower one.
    ov.fs.renameSync('/nd2', '/empty');
    expect(ov.fs.readdirSync('/empty')).toEqual([]);
  });

  it('8: lower hard links: one inode, lower nlink; copy-up breaks the link unless index', () => {
    const ov = mount(opts);
    const before = ov.fs.statSync('/h1');
    expect(before.nlink).toBe(3);
    expect(ov.fs.statSync('/h2').ino).toBe(before.ino);
    ov.fs.writeFileSync('/h1', 'new data');
    if (ov.options.index) {
      expect(ov.fs.readFileSync('/h2', 'utf8')).toBe('new data');
      expect(ov.fs.statSync('/h2').ino).toBe(ov.fs.statSync('/h1').ino);
      ov.fs.chmodSync('/h3', 0o600);
      expect(ov.fs.statSync('/h1').mode & 0o777).toBe(0o600);
      ov.fs.unlinkSync('/h2');
      expect(ov.fs.statSync('/h1').nlink).toBe(2);
    } else {
      expect(ov.fs.readFileSync('/h2', 'utf8')).toBe('linked');
      expect(ov.fs.statSync('/h1').nlink).toBe(1);
      expect(ov.fs.statSync('/h2').nlink).toBe(3);
      ov.fs.unlinkSync('/h1');
      expect(ov.fs.statSync('/h2').nlink).toBe(3);
    }
  });

  it('8: renaming one lower hard-link name over another is a real rename unless index', () => {
    const ov = mount(opts);
    ov.fs.renameSync('/h2', '/h1');
    if (ov.options.index) {
      // One overlay inode for all names: the same-file no-op.
      expect(ov.fs.readdirSync('/').filter((n) => n.startsWith('h'))).toEqual(['h1', 'h2', 'h3']);
    } else {
      expect(ov.fs.readdirSync('/').filter((n) => n.startsWith('h'))).toEqual(['h1', 'h3']);
      expect(ov.fs.statSync('/h1').nlink).toBe(1);
      expect(ov.fs.statSync('/h3').nlink).toBe(3);
    }
  });

  it('9: link(2) of a lower file copies it up and links in the upper', () => {
    const ov = mount(opts);
    ov.fs.linkSync('/d/g', '/d/g2');
    expect(ov.fs.statSync('/d/g').nlink).toBe(2);
    expect(ov.fs.statSync('/d/g2').ino).toBe(ov.fs.statSync('/d/g').ino);
    ov.fs.appendFileSync('/d/g2', '+');
    expect(ov.fs.readFileSync('/d/g', 'utf8')).toBe('g+');
  });

  it('10: metacopy copies metadata only until the first data write', () => {
    const ov = mount(opts);
    ov.fs.chmodSync('/d/f', 0o600);
    expect(ov.explain('/d/f').metacopy).toBe(ov.options.metacopy);
    expect(ov.explain('/d/f').copiedUp).toBe(true);
    ov.fs.appendFileSync('/d/f', '!');
    expect(ov.explain('/d/f').metacopy).toBe(false);
    expect(ov.fs.readFileSync('/d/f', 'utf8')).toBe('lower!');
  });

  it('11: merged dirs report nlink 1, single-layer dirs 2 + subdirs', () => {
    const top = Layer.fromEntries([{ path: '/d/extra', type: 'file' }]);
    const ov = mount(opts, [lower, top]);
    expect(ov.fs.statSync('/d').nlink).toBe(1);
    expect(ov.fs.statSync('/d/sub').nlink).toBe(2);
    ov.fs.mkdirSync('/n');
    ov.fs.mkdirSync('/n/a');
    expect(ov.fs.statSync('/n').nlink).toBe(3);
    ov.fs.writeFileSync('/d/sub/y', '');
    expect(ov.fs.statSync('/d/sub').nlink).toBe(1);
  });

  it('12: symlinks resolve in the merged view; O_EXCL on a dangling link is EEXIST; O_CREAT through it creates the target', () => {
    const ov = mount(opts);
    expect(ov.fs.readFileSync('/abs', 'utf8')).toBe('lower');
    expect(ov.fs.readdirSync('/ln')).toEqual(['f', 'g', 'sub']);
    ov.fs.writeFileSync('/ln/viaLink', 'v');
    expect(ov.fs.readFileSync('/d/viaLink', 'utf8')).toBe('v');
    expect(ov.fs.lstatSync('/ln').isSymbolicLink()).toBe(true);
    expect(code(() => ov.fs.openSync('/dangling', 'wx'))).toBe('EEXIST');
    ov.fs.writeFileSync('/dangling', 'made');
    expect(ov.fs.readFileSync('/nowhere', 'utf8')).toBe('made');
  });

  it('13: trailing slashes', () => {
    const ov = mount(opts);
    for (const call of [() => ov.fs.statSync('/d/f/'), () => ov.fs.lstatSync('/d/f/'), () => ov.fs.readFileSync('/d/f/'), () => ov.fs.chmodSync('/d/f/', 0o600), () => ov.fs.truncateSync('/d/f/')]) {
      expect(code(call)).toBe('ENOTDIR');
    }
    expect(code(() => ov.fs.writeFileSync('/d/f/', 'x'))).toBe('EISDIR');
    expect(code(() => ov.fs.writeFileSync('/d/missing/', 'x'))).toBe('EISDIR');
    expect(code(() => ov.fs.openSync('/d/missing/', 'wx'))).toBe('EISDIR');
    expect(code(() => ov.fs.unlinkSync('/d/f/'))).toBe('ENOTDIR');
    expect(code(() => ov.fs.rmdirSync('/d/f/'))).toBe('ENOTDIR');
    expect(code(() => ov.fs.unlinkSync('/ln/'))).toBe('ENOTDIR');
    expect(code(() => ov.fs.rmdirSync('/ln/'))).toBe('ENOTDIR');
    expect(ov.fs.lstatSync('/ln/').isDirectory()).toBe(true);
    ov.fs.mkdirSync('/n/');
    ov.fs.rmdirSync('/n/');
    expect(code(() => ov.fs.renameSync('/d/f', '/d/g/'))).toBe('ENOTDIR');
    expect(code(() => ov.fs.renameSync('/d/f/', '/d/g'))).toBe('ENOTDIR');
    expect(code(() => ov.fs.linkSync('/d/f', '/d/h/'))).toBe('ENOENT');
    expect(code(() => ov.fs.symlinkSync('x', '/d/sl/'))).toBe('ENOENT');
  });

  it('14: a file above hides a lower dir; a dir above a file wins; opaque hides, layers above still merge', () => {
    const l1 = Layer.fromEntries([
      { path: '/a/inner', type: 'file' },
      { path: '/b', type: 'file', content: 'file b' },
      { path: '/o/lowest', type: 'file' },
    ]);
    const l2 = Layer.fromEntries([
      { path: '/a', type: 'file', content: 'now a file' },
      { path: '/b/child', type: 'file' },
      { path: '/o', type: 'opaque' },
      { path: '/o/mid', type: 'file' },
    ]);
    const l3 = Layer.fromEntries([{ path: '/o/top', type: 'file' }]);
    const ov = mount(opts, [l1, l2, l3]);
    expect(code(() => ov.fs.statSync('/a/inner'))).toBe('ENOTDIR');
    expect(ov.fs.readdirSync('/b')).toEqual(['child']);
    expect(ov.fs.readdirSync('/o')).toEqual(['mid', 'top']);
    expect(ov.explain('/o/lowest').layers).toEqual([{ layer: 0, entry: 'file', role: 'hidden', by: 'opaque dir /o in layer 1' }]);
  });
});

describe('errors look like Node', () => {
  it('has code, errno, syscall, path, dest and the Node message', () => {
    const ov = mount();
    try {
      ov.fs.renameSync('/d', '/x');
      expect.unreachable();
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { dest: string };
      expect(err.code).toBe('EXDEV');
      expect(err.errno).toBe(-18);
      expect(err.syscall).toBe('rename');
      expect(err.path).toBe('/d');
      expect(err.dest).toBe('/x');
      expect(err.message).toBe("EXDEV: cross-device link not permitted, rename '/d' -> '/x'");
    }
  });

  it('ELOOP after 40 links', () => {
    const entries = [{ path: '/l0', type: 'symlink' as const, target: '/l0' }];
    const ov = mount({}, [Layer.fromEntries(entries)]);
    expect(code(() => ov.fs.statSync('/l0'))).toBe('ELOOP');
  });

  it('statSync with throwIfNoEntry false returns undefined', () => {
    const ov = mount();
    expect(ov.fs.statSync('/nope', { throwIfNoEntry: false })).toBeUndefined();
  });

  it('promises and callbacks wrap the same core', async () => {
    const ov = mount();
    await ov.fs.promises.writeFile('/p', 'promised');
    expect(await ov.fs.promises.readFile('/p', 'utf8')).toBe('promised');
    await expect(ov.fs.promises.stat('/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    const value = await new Promise((resolve, reject) => ov.fs.readFile('/p', 'utf8', (err: Error | null, v?: unknown) => (err ? reject(err) : resolve(v))));
    expect(value).toBe('promised');
  });
});

describe('block-level copy-on-write', () => {
  it('a write into a big lower file shares the untouched bytes', () => {
    const big = new Uint8Array(1 << 20).map((_, i) => i & 0xff);
    const ov = mount({}, [Layer.fromEntries([{ path: '/big', type: 'file', content: big }])]);
    const fd = ov.fs.openSync('/big', 'r+');
    ov.fs.writeSync(fd, new Uint8Array([0xaa]), 0, 1, 500_000);
    ov.fs.closeSync(fd);
    const read = ov.fs.readFileSync('/big') as Uint8Array;
    expect(read.length).toBe(big.length);
    expect(read[500_000]).toBe(0xaa);
    expect(read[499_999]).toBe(big[499_999]);
    expect(read[1_000_000]).toBe(big[1_000_000]);
    ov.fs.truncateSync('/big', 10);
    ov.fs.truncateSync('/big', 20);
    expect([...(ov.fs.readFileSync('/big') as Uint8Array)]).toEqual([...big.subarray(0, 10), ...new Array(10).fill(0)]);
    expect(big[15]).toBe(15); // the lower bytes never change
  });
});
