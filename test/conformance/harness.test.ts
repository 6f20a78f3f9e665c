// Checks of the conformance harness itself that need neither root nor a kernel overlay: the
// catalogue covers every unionmount-testsuite family, the generators make valid stacks, and
// runOp/snapshotTree behave on a plain directory as they must on a kernel mount.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Layer } from '../../src/layer/index.js';
import { FdTable, closedFdNumber, describeOp, fsOps, layerStack, layerStackPaths, opPaths, runOp, snapshotTree, type FsLike, type FsOp } from '../../src/testing/index.js';
import { CATALOGUE, CATALOGUE_FAMILIES } from './catalogue.js';
import { LIMIT_CASES } from './catalogueLimits.js';
import { stackProblem } from './harness/minimize.js';
import { mergedView } from './harness/mergedView.js';

const hostFs = fs as unknown as FsLike;

/**
 * The unionmount-testsuite families (its tests/ directory; rename-exdev or the four dir-rename
 * families, by mount mode).
 */
const UNIONMOUNT_FAMILIES = [
  ...['open', 'noent'].flatMap((p) => ['plain', 'trunc', 'creat', 'creat-trunc', 'creat-excl', 'creat-excl-trunc'].map((s) => `${p}-${s}`)),
  ...['sym1', 'sym2'].flatMap((p) => ['plain', 'trunc', 'creat', 'creat-excl'].map((s) => `${p}-${s}`)),
  ...['plain', 'trunc', 'creat', 'creat-excl', 'creat-trunc'].map((s) => `symx-${s}`),
  'truncate',
  'dir-open',
  'dir-open-dir',
  'dir-sym1-open',
  'dir-sym2-open',
  'dir-weird-open',
  'dir-sym1-weird-open',
  'dir-sym2-weird-open',
  'dir-weird-open-dir',
  'readlink',
  'mkdir',
  'rmdir',
  'rmtree',
  'rmtree-new',
  'hard-link',
  'hard-link-dir',
  'hard-link-sym',
  'unlink',
  'rename-file',
  'rename-hard-link',
  'rename-mass',
  'rename-mass-2',
  'rename-mass-3',
  'rename-mass-4',
  'rename-mass-5',
  'rename-mass-dir',
  'rename-mass-sym',
  'rename-new-dir',
  'rename-new-pop-dir',
  'rename-exdev',
  'rename-dir',
  'rename-empty-dir',
  'rename-pop-dir',
  'rename-move-dir',
  'impermissible',
];

describe('catalogue', () => {
  test('covers every unionmount-testsuite family', () => {
    expect(UNIONMOUNT_FAMILIES.filter((f) => !CATALOGUE_FAMILIES.includes(f))).toEqual([]);
  });

  test('cases have unique names and valid stacks', () => {
    const all = [...CATALOGUE, ...LIMIT_CASES];
    const names = all.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of all) expect(stackProblem(c.layers), c.name).toBeUndefined();
  });

  test('limit cases stay within the kernel stack depth (500 lowers, OVL_MAX_STACK)', () => {
    expect(Math.max(...LIMIT_CASES.map((c) => c.layers.length))).toBe(499);
  });
});

describe('generators', () => {
  test('layerStack makes stacks valid per OCI rules, with every entry kind', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(layerStack(), (stack) => {
        expect(stackProblem(stack)).toBeUndefined();
        expect(stack.length).toBeGreaterThanOrEqual(1);
        expect(stack.length).toBeLessThanOrEqual(6);
        for (const layer of stack) for (const e of layer) kinds.add(e.type);
      }),
      { numRuns: 300 },
    );
    expect([...kinds].sort()).toEqual(['dir', 'file', 'hardlink', 'opaque', 'symlink', 'whiteout']);
  });

  test('layerStackPaths lists what the stack shows', () => {
    fc.assert(
      fc.property(layerStack(), (stack) => {
        const view = mergedView(stack.map((l) => Layer.fromEntries(l)));
        const { paths, filePaths } = layerStackPaths(stack);
        expect(paths).toEqual([...view.keys()].filter((p) => p !== '/').sort());
        expect(filePaths).toEqual(paths.filter((p) => view.get(p)!.type !== 'dir'));
      }),
      { numRuns: 200 },
    );
  });

  test('fsOps paths never contain `..` and stay absolute', () => {
    fc.assert(
      fc.property(fc.boolean().chain((widened) => fsOps({ widened })), (ops) => {
        for (const op of ops) {
          const paths = opPaths(op);
          for (const p of paths) {
            expect(p.startsWith('/')).toBe(true);
            expect(p.split('/')).not.toContain('..');
          }
          if (op.op === 'symlink') expect(op.target.split('/')).not.toContain('..');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('runOp on a plain directory', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(join(tmpdir(), 'runop-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const run = (op: FsOp): unknown => runOp(hostFs, root, op);

  test('values are comparable: sorted readdir, reduced stats, content as text', () => {
    expect(run({ op: 'mkdir', path: '/d' })).toEqual({ ok: true, value: null });
    expect(run({ op: 'writeFile', path: '/d/b', data: 'hello' })).toEqual({ ok: true, value: null });
    expect(run({ op: 'writeFile', path: '/d/a', data: '\u0000\u0001' })).toEqual({ ok: true, value: null });
    expect(run({ op: 'readdir', path: '/d' })).toEqual({ ok: true, value: ['a', 'b'] });
    expect(run({ op: 'readFile', path: '/d/b' })).toEqual({ ok: true, value: '"hello"' });
    expect(run({ op: 'readFile', path: '/d/a' })).toEqual({ ok: true, value: 'hex:0001' });
    expect(run({ op: 'stat', path: '/d/b' })).toEqual({ ok: true, value: { type: 'file', mode: 0o100644, uid: process.getuid!(), gid: process.getgid!(), size: 5, nlink: 1 } });
    expect(run({ op: 'readFile', path: '/d/b/' })).toEqual({ ok: false, code: 'ENOTDIR' });
    expect(run({ op: 'rmdir', path: '/d' })).toEqual({ ok: false, code: 'ENOTEMPTY' });
  });

  test('absolute symlink targets are rooted on the way in and stripped on the way out', () => {
    run({ op: 'writeFile', path: '/f', data: 'x' });
    expect(run({ op: 'symlink', target: '/f', path: '/s' })).toEqual({ ok: true, value: null });
    expect(fs.readlinkSync(join(root, 's'))).toBe(root + '/f');
    expect(run({ op: 'readlink', path: '/s' })).toEqual({ ok: true, value: '/f' });
    expect(run({ op: 'lstat', path: '/s' })).toMatchObject({ ok: true, value: { type: 'symlink', size: 2 } });
    expect(run({ op: 'realpath', path: '/s' })).toEqual({ ok: true, value: '/f' });
    expect(run({ op: 'readFile', path: '/s' })).toEqual({ ok: true, value: '"x"' });
    const tree = snapshotTree(hostFs, root);
    expect(tree.get('/s')).toMatchObject({ type: 'symlink', target: '/f', size: 2 });
  });

  test('open writes, truncates, reads back and closes', () => {
    expect(run({ op: 'open', path: '/n', flags: ['O_RDWR', 'O_CREAT', 'O_EXCL'], mode: 0o600, write: 'abcdef', truncate: 3 })).toMatchObject({
      ok: true,
      value: { written: 6, content: '"abc"', stat: { type: 'file', mode: 0o100600, size: 3 } },
    });
    expect(run({ op: 'open', path: '/n', flags: ['O_CREAT', 'O_EXCL'] })).toEqual({ ok: false, code: 'EEXIST' });
  });

  test('hard links show in snapshots and sameInode', () => {
    run({ op: 'writeFile', path: '/a', data: 'x' });
    run({ op: 'link', from: '/a', to: '/b' });
    expect(run({ op: 'sameInode', path: '/a', other: '/b' })).toEqual({ ok: true, value: true });
    const tree = snapshotTree(hostFs, root);
    expect(tree.get('/b')).toMatchObject({ nlink: 2, sameInodeAs: '/a' });
  });

  test('fd slots stay open across ops, misuse fails as the syscall does, and closeAll releases them', () => {
    const fds = new FdTable();
    const runFd = (op: FsOp): unknown => runOp(hostFs, root, op, fds);
    run({ op: 'writeFile', path: '/f', data: 'hello' });
    run({ op: 'mkdir', path: '/d' });
    expect(runFd({ op: 'fdOpen', fd: 0, path: '/f', flags: 'r' })).toEqual({ ok: true, value: null });
    expect(runFd({ op: 'fdOpen', fd: 1, path: '/f', flags: 'a' })).toEqual({ ok: true, value: null });
    expect(runFd({ op: 'fdOpen', fd: 2, path: '/d', flags: 'dir' })).toEqual({ ok: true, value: null });
    expect(runFd({ op: 'fdWrite', fd: 1, data: '!', position: 0 })).toEqual({ ok: true, value: 1 });
    expect(runFd({ op: 'fdRead', fd: 0, length: 100, position: null })).toEqual({ ok: true, value: '"hello!"' });
    expect(runFd({ op: 'fdWrite', fd: 1, data: '', position: 100 })).toEqual({ ok: true, value: 0 });
    expect(runFd({ op: 'fdStat', fd: 0 })).toMatchObject({ ok: true, value: { type: 'file', size: 6 } });
    expect(runFd({ op: 'fdWrite', fd: 0, data: 'x', position: null })).toEqual({ ok: false, code: 'EBADF' });
    expect(runFd({ op: 'fdTruncate', fd: 0, len: 1 })).toEqual({ ok: false, code: 'EINVAL' });
    expect(runFd({ op: 'fdRead', fd: 2, length: 5, position: null })).toEqual({ ok: false, code: 'EISDIR' });
    expect(runFd({ op: 'fdClose', fd: 3 })).toEqual({ ok: false, code: 'EBADF' });
    // On an O_APPEND fd a positioned write still appends (pwrite(2), BUGS).
    expect(runFd({ op: 'fdWrite', fd: 1, data: { fill: 'ab', size: 65537 }, position: 1_100_000 })).toEqual({ ok: true, value: 65537 });
    expect(runFd({ op: 'fdStat', fd: 1 })).toMatchObject({ ok: true, value: { size: 6 + 65537 } });
    expect(runFd({ op: 'opendir', path: '/' })).toEqual({ ok: true, value: ['d', 'f'] });
    expect(fds.size).toBe(3);
    fds.closeAll(hostFs);
    expect(fds.size).toBe(0);
    expect(() => fs.fstatSync(closedFdNumber(0))).toThrow(/EBADF/);
  });

  test('describeOp reads like a call', () => {
    expect(describeOp({ op: 'fdWrite', fd: 1, data: { fill: 'ab', size: 65537 }, position: null })).toBe('fdWrite(#1, fill("ab")×65537, at pos)');
    expect(describeOp({ op: 'rename', from: '/a', to: '/b' })).toBe('rename(/a, /b)');
    expect(describeOp({ op: 'open', path: '/a', flags: ['O_WRONLY', 'O_CREAT'], write: 'x' })).toBe('open(/a, O_WRONLY|O_CREAT, write "x")');
    expect(describeOp({ op: 'chmod', path: '/a', mode: 0o755 })).toBe('chmod(/a, 0o755)');
  });
});
