/**
 * The byte limits as a kernel overlay mount (Linux 6.18, `redirect_max` 256) enforced them
 * through Node's `fs`: PATH_MAX (4096 bytes with the NUL) on paths and symlink targets, and
 * redirect_max on the redirect a move writes. NAME_MAX: nameMax.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Layer, Overlay } from '../../../src/index.js';
import { errorCode as code } from './errorCode.js';


/** An absolute path of exactly `bytes` bytes under /d (components of 'b', at most 200 each). */
function pathOfBytes(bytes: number, unit = 'b'): string {
  const parts: string[] = [];
  let rest = bytes - '/d'.length;
  while (rest > 1) {
    const n = Math.min(200, rest - 1);
    parts.push(unit.repeat(n));
    rest -= n + 1;
  }
  const p = '/d/' + parts.join('/');
  return rest === 1 ? p + '/' : p;
}

describe('PATH_MAX', () => {
  it('a path of 4096 bytes or more is ENAMETOOLONG before it is looked up; 4095 is looked up', () => {
    const ov = new Overlay({ lowers: [Layer.fromEntries([{ path: '/d', type: 'dir' }])] });
    expect(Buffer.byteLength(pathOfBytes(4095))).toBe(4095);
    expect(code(() => ov.fs.statSync(pathOfBytes(4095)))).toBe('ENOENT');
    // was: ENOENT
    for (const bytes of [4096, 4097]) {
      const p = pathOfBytes(bytes);
      expect(Buffer.byteLength(p)).toBe(bytes);
      expect(code(() => ov.fs.statSync(p))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.openSync(p, 'w'))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.mkdirSync(p))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.unlinkSync(p))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.renameSync('/nope', p))).toBe('ENAMETOOLONG');
      // link looks the old name up first (namei.c do_linkat)
      expect(code(() => ov.fs.linkSync('/nope', p))).toBe('ENOENT');
      // Node's realpath walks prefix by prefix: the first missing one answers
      expect(code(() => ov.fs.realpathSync(p))).toBe('ENOENT');
    }
    // counted in UTF-8 bytes: 2048 × 'é' is 4096 bytes
    expect(code(() => ov.fs.statSync('/' + 'é/'.repeat(1365)))).toBe('ENAMETOOLONG');
  });

  it('a symlink target of 4096 bytes or more is ENAMETOOLONG; 4095 bytes is kept', () => {
    const ov = new Overlay();
    ov.fs.symlinkSync('t'.repeat(4095), '/a');
    expect(ov.fs.lstatSync('/a').size).toBe(4095);
    ov.fs.symlinkSync('é'.repeat(2047), '/b');
    expect(ov.fs.lstatSync('/b').size).toBe(4094);
    // was: accepted
    expect(code(() => ov.fs.symlinkSync('t'.repeat(4096), '/c'))).toBe('ENAMETOOLONG');
    expect(code(() => ov.fs.symlinkSync('é'.repeat(2048), '/c'))).toBe('ENAMETOOLONG');
    expect(ov.fs.existsSync('/c')).toBe(false);
  });
});

describe('NAME_MAX in every call that takes a path', () => {
  it('a 256-byte name (128 × é) is ENAMETOOLONG, as the kernel mount answered each call', () => {
    const ov = new Overlay({ lowers: [Layer.fromEntries([{ path: '/d/f', type: 'file', content: 'f' }])] });
    const n = '/d/' + 'é'.repeat(128);
    const calls: Record<string, () => unknown> = {
      link: () => ov.fs.linkSync('/d/f', n),
      linkSource: () => ov.fs.linkSync(n, '/d/z'),
      copyFile: () => ov.fs.copyFileSync('/d/f', n),
      copyFileSource: () => ov.fs.copyFileSync(n, '/d/z'),
      truncate: () => ov.fs.truncateSync(n),
      utimes: () => ov.fs.utimesSync(n, 1, 1),
      chmod: () => ov.fs.chmodSync(n, 0o600),
      chown: () => ov.fs.chownSync(n, 1, 1),
      readlink: () => ov.fs.readlinkSync(n),
      opendir: () => ov.fs.opendirSync(n),
      access: () => ov.fs.accessSync(n),
      rmdir: () => ov.fs.rmdirSync(n),
      unlink: () => ov.fs.unlinkSync(n),
      openCreate: () => ov.fs.openSync(n, 'w'),
      mkdirRecursive: () => ov.fs.mkdirSync(`${n}/a`, { recursive: true }),
      rm: () => ov.fs.rmSync(n, { force: true }),
      realpath: () => ov.fs.realpathSync(n),
      appendFile: () => ov.fs.appendFileSync(n, 'x'),
    };
    for (const [name, call] of Object.entries(calls)) expect(code(call), name).toBe('ENAMETOOLONG');
    ov.fs.symlinkSync('é'.repeat(128), '/d/l'); // a target is a path, not a name
    expect(ov.fs.readlinkSync('/d/l')).toBe('é'.repeat(128));
  });
});

describe('redirect_max', () => {
  /** A lower directory at a path of `bytes` bytes, with a file in its parent. */
  const dirOf = (c: string, bytes: number): string => `/${c.repeat(200)}/${c.repeat(bytes - 202)}`;
  const lower = Layer.fromEntries(
    ['a', 'b'].flatMap((c, i) => {
      const p = dirOf(c, 256 + i);
      return [
        { path: p, type: 'dir' as const },
        { path: `${p}/x`, type: 'file' as const, content: 'x' },
      ];
    }).concat([
      { path: '/' + 'q'.repeat(250), type: 'dir' as const },
      { path: `/${'q'.repeat(250)}/${'r'.repeat(10)}`, type: 'file' as const, content: 'r' },
      { path: `/${'q'.repeat(250)}/s`, type: 'file' as const, content: 's' },
      { path: '/t', type: 'dir' as const },
    ]),
  );

  it.each([
    ['redirect_dir', { redirectDir: true }],
    ['metacopy', { metacopy: true, redirectDir: true }],
  ])('%s: moving a lower directory to another directory needs an absolute redirect of at most 256 bytes', (_name, opts) => {
    const ov = new Overlay({ lowers: [lower], ...opts });
    ov.fs.renameSync(dirOf('a', 256), '/t/a');
    // was: moved
    expect(code(() => ov.fs.renameSync(dirOf('b', 257), '/t/b'))).toBe('EXDEV');
    // in the same directory the redirect is the old name, relative: no limit
    ov.fs.renameSync(dirOf('b', 257), `/${'b'.repeat(200)}/y`);
    expect(ov.fs.readdirSync('/t')).toEqual(['a']);
    expect(ov.fs.readdirSync('/t/a')).toEqual(['x']);
  });

  it('metacopy: a file whose data is still below needs one too; a relative redirect first does not help', () => {
    const q = '/' + 'q'.repeat(250);
    const ov = new Overlay({ lowers: [lower], metacopy: true, redirectDir: true });
    ov.fs.chmodSync(`${q}/${'r'.repeat(10)}`, 0o600); // metadata-only copy-up
    ov.fs.renameSync(`${q}/${'r'.repeat(10)}`, `${q}/r2`);
    // its lower path is 262 bytes; was: moved
    expect(code(() => ov.fs.renameSync(`${q}/r2`, '/t/r'))).toBe('EXDEV');
    ov.fs.renameSync(`${q}/s`, '/t/s'); // 253 bytes
    expect(ov.fs.readdirSync('/t')).toEqual(['s']);
    const plain = new Overlay({ lowers: [lower], redirectDir: true });
    plain.fs.renameSync(`${q}/${'r'.repeat(10)}`, '/t/r'); // a full copy-up needs no redirect
    expect(plain.fs.readFileSync('/t/r', 'utf8')).toBe('r');
  });
});
