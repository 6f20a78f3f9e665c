/**
 * Open files held across changes, zero-length writes and the metacopy data copy-up, each case
 * as a kernel overlay mount (Linux 6.18, `mount -t overlay`, the four modes of
 * test/conformance/harness/modes.ts) answered it through Node's `fs`. Each test names the class
 * of issue 11 it guards; `was:` says what the emulator did before.
 */
import { describe, expect, it } from 'vitest';
import { Layer, Overlay, type OverlayOptions } from '../../../src/index.js';
import { errorCode as code } from './errorCode.js';

const T0 = 1_600_000_000_000;
const NOW = T0 + 5000;
const lower = Layer.fromEntries([
  { path: '/d', type: 'dir', mtime: T0 },
  { path: '/d/f', type: 'file', content: 'hello', mtime: T0 },
  { path: '/d/g', type: 'file', content: 'gg', mtime: T0 },
  { path: '/d/empty', type: 'file', content: '', mtime: T0 },
  { path: '/e', type: 'dir', mtime: T0 },
  { path: '/h1', type: 'file', content: 'linked', mtime: T0 },
  { path: '/h2', type: 'hardlink', target: '/h1' },
  { path: '/s', type: 'file', content: 'single', mtime: T0 },
]);
const MODES: [string, OverlayOptions][] = [
  ['default', {}],
  ['redirect_dir=on', { redirectDir: true }],
  ['index=on', { index: true }],
  ['metacopy=on', { metacopy: true, redirectDir: true }],
];
const mount = (opts: OverlayOptions = {}): Overlay => new Overlay({ lowers: [lower], clock: () => NOW, ...opts });
const readAt0 = (ov: Overlay, fd: number): string => {
  const buf = Buffer.alloc(64);
  return buf.subarray(0, ov.fs.readSync(fd, buf, 0, 64, 0)).toString();
};

describe.each(MODES)('zero-length writes (%s)', (_name, opts) => {
  it('change neither size nor times nor the offset', () => {
    const ov = mount(opts);
    ov.fs.appendFileSync('/d/f', ''); // was: mtime now
    ov.fs.writeFileSync('/d/g', '', { flag: 'r+' }); // was: mtime now
    expect(ov.fs.statSync('/d/f').mtimeMs).toBe(T0);
    expect(ov.fs.statSync('/d/g').mtimeMs).toBe(T0);
    const fd = ov.fs.openSync('/d/f', 'r+');
    expect(ov.fs.writeSync(fd, '')).toBe(0);
    expect(ov.fs.writeSync(fd, '', 100)).toBe(0); // was: the file grew to 100 bytes of zeros
    expect(ov.fs.fstatSync(fd).size).toBe(5);
    expect(ov.fs.fstatSync(fd).mtimeMs).toBe(T0);
    ov.fs.closeSync(fd);
    const a = ov.fs.openSync('/d/f', 'a+');
    ov.fs.writeSync(a, ''); // was: moved the offset to the end
    const buf = Buffer.alloc(8);
    expect(ov.fs.readSync(a, buf, 0, 8, null)).toBe(5);
    ov.fs.closeSync(a);
  });

  it('pwrite on an O_APPEND fd appends and leaves the offset', () => {
    const ov = mount(opts);
    const a = ov.fs.openSync('/d/f', 'a+');
    expect(ov.fs.writeSync(a, 'XY', 1)).toBe(2);
    const buf = Buffer.alloc(16);
    // was: the offset moved to the end, so this read got nothing
    expect(buf.subarray(0, ov.fs.readSync(a, buf, 0, 16, null)).toString()).toBe('helloXY');
    ov.fs.writeSync(a, 'Z');
    expect(ov.fs.readFileSync('/d/f', 'utf8')).toBe('helloXYZ');
    ov.fs.closeSync(a);
  });
});

describe.each(MODES)('an fd follows its name across copy-up (%s)', (name, opts) => {
  it('a read-only fd on one name of a lower hard link sees that name written', () => {
    const ov = mount(opts);
    const r = ov.fs.openSync('/h1', 'r');
    ov.fs.writeFileSync('/h1', 'NEWDATA', { flag: 'r+' });
    // was: 'linked' and nlink 2 (with index off the fd kept the lower inode)
    expect(readAt0(ov, r)).toBe('NEWDATA');
    const index = name === 'index=on';
    expect(ov.fs.fstatSync(r).nlink).toBe(index ? 2 : 1);
    // the other name: its own overlay inode with index off, the same one with index on
    expect(ov.fs.readFileSync('/h2', 'utf8')).toBe(index ? 'NEWDATA' : 'linked');
    const r2 = ov.fs.openSync('/h2', 'r');
    ov.fs.chmodSync('/h2', 0o600);
    expect(ov.fs.fstatSync(r2).mode & 0o7777).toBe(0o600); // was: 0o644
    expect(ov.fs.fstatSync(r2).nlink).toBe(index ? 2 : 1);
    expect(readAt0(ov, r2)).toBe(index ? 'NEWDATA' : 'linked');
  });

  it('chmod, utimes, lutimes and link show through an fd opened before', () => {
    const ov = mount(opts);
    const r = ov.fs.openSync('/s', 'r');
    ov.fs.chmodSync('/s', 0o600);
    expect(ov.fs.fstatSync(r).mode & 0o7777).toBe(0o600);
    ov.fs.utimesSync('/s', 5, 5);
    expect(ov.fs.fstatSync(r).mtimeMs).toBe(5000);
    ov.fs.writeFileSync('/s', 'X', { flag: 'r+' });
    expect(readAt0(ov, r)).toBe('Xingle');
    const r2 = ov.fs.openSync('/d/f', 'r');
    ov.fs.lutimesSync('/d/f', 7, 7);
    expect(ov.fs.fstatSync(r2).mtimeMs).toBe(7000);
    const r3 = ov.fs.openSync('/h2', 'r');
    ov.fs.linkSync('/h2', '/h3');
    expect(ov.fs.fstatSync(r3).nlink).toBe(name === 'index=on' ? 3 : 2);
    ov.fs.writeFileSync('/h3', 'Z', { flag: 'r+' });
    expect(readAt0(ov, r3)).toBe('Zinked'); // was: 'linked' (the fd kept the lower object)
  });

  it('a directory fd follows the directory: copy-up, new entries, removal', () => {
    const ov = mount(opts);
    const d = ov.fs.openSync('/d', 'r');
    expect(ov.fs.fstatSync(d).nlink).toBe(2);
    ov.fs.chmodSync('/d', 0o700);
    // was: 0o755 and nlink 2; a merged directory reports nlink 1 (inode.c ovl_getattr)
    expect(ov.fs.fstatSync(d).mode & 0o7777).toBe(0o700);
    expect(ov.fs.fstatSync(d).nlink).toBe(1);
    ov.fs.writeFileSync('/d/new', 'n');
    expect(ov.fs.fstatSync(d).mtimeMs).toBe(NOW);
    // An upper directory removed: nlink 0 (was: 2). A lower one removed: still the lower's.
    ov.fs.mkdirSync('/u');
    const u = ov.fs.openSync('/u', 'r');
    ov.fs.rmdirSync('/u');
    expect(ov.fs.fstatSync(u).nlink).toBe(0);
    const e = ov.fs.openSync('/e', 'r');
    ov.fs.rmdirSync('/e');
    expect(ov.fs.fstatSync(e).nlink).toBe(2);
    // A merged directory removed stays a merged one: nlink 1.
    const m = ov.fs.openSync('/d', 'r');
    ov.fs.rmSync('/d', { recursive: true });
    expect(ov.fs.fstatSync(m).nlink).toBe(1);
  });

  it('fchmod, futimes and fchown copy up through the fd; a removed lower name is EEXIST', () => {
    const ov = mount(opts);
    const s = ov.fs.openSync('/s', 'r');
    ov.fs.fchmodSync(s, 0o600);
    ov.fs.futimesSync(s, 5, 5);
    ov.fs.fchownSync(s, 7, 8);
    const st = ov.fs.statSync('/s');
    expect([st.mode & 0o7777, st.mtimeMs, st.uid, st.gid]).toEqual([0o600, 5000, 7, 8]);
    const f = ov.fs.openSync('/d/f', 'r');
    ov.fs.unlinkSync('/d/f');
    expect(code(() => ov.fs.fchmodSync(f, 0o600))).toBe('EEXIST');
    expect(code(() => ov.fs.futimesSync(f, 5, 5))).toBe('EEXIST');
    expect(ov.fs.fstatSync(f).mode & 0o7777).toBe(0o644);
    const d = ov.fs.openSync('/e', 'r');
    ov.fs.fchmodSync(d, 0o700);
    ov.fs.futimesSync(d, 9, 9);
    expect([ov.fs.statSync('/e').mode & 0o7777, ov.fs.statSync('/e').mtimeMs]).toEqual([0o700, 9000]);
    expect(code(() => ov.fs.fchmodSync(999, 0o700))).toBe('EBADF');
  });

  it('a directory fd whose lower name was removed: ENOTDIR; replaced by another directory: the fd gets its copy', () => {
    const ov = mount(opts);
    const e = ov.fs.openSync('/e', 'r');
    ov.fs.rmdirSync('/e');
    expect(code(() => ov.fs.fchmodSync(e, 0o700))).toBe('ENOTDIR'); // was: EEXIST
    ov.fs.mkdirSync('/e');
    ov.fs.fchmodSync(e, 0o700); // was: EEXIST
    expect([ov.fs.fstatSync(e).mode & 0o7777, ov.fs.fstatSync(e).nlink]).toEqual([0o700, 1]);
    expect(ov.fs.statSync('/e').mode & 0o7777).toBe(0o755);
  });
});

describe.each(MODES.filter(([, o]) => o.redirectDir === true))('an fd follows its name when its directory moves (%s)', () => {
  it('fchmod through an fd opened before its lower directory was renamed copies up the name where it is now', () => {
    const ov = mount({ redirectDir: true });
    const f = ov.fs.openSync('/d/f', 'r');
    ov.fs.mkdirSync('/t');
    ov.fs.renameSync('/d', '/t/d2');
    ov.fs.fchmodSync(f, 0o600); // was: EEXIST (the fd looked for /d/f)
    expect(ov.fs.statSync('/t/d2/f').mode & 0o7777).toBe(0o600);
    expect(ov.fs.fstatSync(f).mode & 0o7777).toBe(0o600);
    const g = ov.fs.openSync('/t/d2/g', 'r');
    ov.fs.unlinkSync('/t/d2/g');
    ov.fs.writeFileSync('/t/d2/g', 'new');
    // another file has the name now: the fd's copy-up finds it taken
    expect(code(() => ov.fs.fchmodSync(g, 0o600))).toBe('EEXIST');
    expect(ov.fs.fstatSync(g).size).toBe(2);
  });
});

describe('metacopy=on', () => {
  it('metacopy: the data copy-up of a file with data gives it a new mtime, losing one set before', () => {
    const ov = mount({ metacopy: true, redirectDir: true });
    ov.fs.utimesSync('/d/f', 5, 7); // metadata-only copy-up
    ov.fs.closeSync(ov.fs.openSync('/d/f', 'r+')); // the data copy-up
    // was: 7000 (copy_up.c ovl_copy_up_meta_inode_data writes the data and sets no times)
    expect([ov.fs.statSync('/d/f').atimeMs, ov.fs.statSync('/d/f').mtimeMs]).toEqual([5000, NOW]);
    ov.fs.utimesSync('/d/empty', 5, 7);
    ov.fs.closeSync(ov.fs.openSync('/d/empty', 'r+')); // nothing to copy: the times stay
    expect(ov.fs.statSync('/d/empty').mtimeMs).toBe(7000);
  });
});

describe("Node's fs API edges", () => {
  it('utimes with a negative number means now; a numeric string is taken as it is', () => {
    const ov = mount();
    ov.fs.utimesSync('/s', -1, -1); // was: -1000
    expect([ov.fs.statSync('/s').atimeMs, ov.fs.statSync('/s').mtimeMs]).toEqual([NOW, NOW]);
    ov.fs.utimesSync('/s', -1.5, 2.5);
    expect([ov.fs.statSync('/s').atimeMs, ov.fs.statSync('/s').mtimeMs]).toEqual([NOW, 2500]);
    ov.fs.utimesSync('/s', '-3', new Date(-1));
    expect([ov.fs.statSync('/s').atimeMs, ov.fs.statSync('/s').mtimeMs]).toEqual([-3000, -1]);
    const fd = ov.fs.openSync('/s', 'r');
    ov.fs.futimesSync(fd, -1, 3);
    expect([ov.fs.fstatSync(fd).atimeMs, ov.fs.fstatSync(fd).mtimeMs]).toEqual([NOW, 3000]);
  });

  it('truncate and ftruncate with a negative length truncate to 0, as Node 20 does', () => {
    const ov = mount();
    ov.fs.truncateSync('/d/f', -1); // was: EINVAL
    expect(ov.fs.statSync('/d/f').size).toBe(0);
    ov.fs.writeFileSync('/d/g', 'abc');
    const fd = ov.fs.openSync('/d/g', 'r+');
    ov.fs.ftruncateSync(fd, -1);
    expect(ov.fs.fstatSync(fd).size).toBe(0);
    expect(code(() => ov.fs.ftruncateSync(fd, 1.5))).toBe('ERR_OUT_OF_RANGE');
  });

  it('has every fd-taking call of Node, in sync, callback and promise forms', async () => {
    const ov = mount();
    for (const name of ['fchmod', 'fchown', 'futimes', 'fstat', 'fsync', 'fdatasync', 'ftruncate', 'read', 'readv', 'write', 'writev', 'close', 'opendir']) {
      expect(typeof (ov.fs as unknown as Record<string, unknown>)[`${name}Sync`], name).toBe('function');
      expect(typeof (ov.fs as unknown as Record<string, unknown>)[name], name).toBe('function');
    }
    const fd = ov.fs.openSync('/s', 'r+');
    await new Promise<void>((resolve, reject) => ov.fs.fchmod(fd, 0o640, (err: unknown) => (err ? reject(err) : resolve())));
    expect(ov.fs.statSync('/s').mode & 0o7777).toBe(0o640);
    expect(ov.fs.writevSync(fd, [Buffer.from('ab'), Buffer.from('c')], 1)).toBe(3);
    const a = Buffer.alloc(2);
    const b = Buffer.alloc(4);
    expect(ov.fs.readvSync(fd, [a, b], 0)).toBe(6);
    expect(a.toString() + b.toString()).toBe('sabcle');
    const handle = await ov.fs.promises.open('/s', 'r');
    await handle.chmod(0o600);
    await handle.utimes(1, 2);
    expect([ov.fs.statSync('/s').mode & 0o7777, ov.fs.statSync('/s').mtimeMs]).toEqual([0o600, 2000]);
    await handle.close();
    const dir = await ov.fs.promises.opendir('/d');
    const names: string[] = [];
    for await (const entry of dir) names.push(entry.name);
    expect(names).toEqual(['empty', 'f', 'g']);
    const sync = ov.fs.opendirSync('/d');
    expect(sync.readSync()?.name).toBe('empty');
    sync.closeSync();
    expect(code(() => sync.readSync())).toBe('ERR_DIR_CLOSED');
    expect(code(() => ov.fs.opendirSync('/d/f'))).toBe('ENOTDIR');
    // Node answers a zero-length read without asking the kernel (was: EISDIR)
    const dirFd = ov.fs.openSync('/d', 'r');
    expect(ov.fs.readSync(dirFd, Buffer.alloc(4), 0, 0, null)).toBe(0);
    expect(code(() => ov.fs.readSync(dirFd, Buffer.alloc(4), 0, 4, null))).toBe('EISDIR');
  });
});
