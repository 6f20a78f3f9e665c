/**
 * The flat reference (`reference/FlatFs.ts`: memfs storage, Linux namespace rules) agrees with
 * this machine's own filesystem (tmpfs under /dev/shm, driven through Node's `fs`) on random
 * operation sequences: every outcome, then the final tree. This is what makes the reference
 * a reference; it runs only on Linux as root, since the reference models root.
 *
 * The host side lives in a directory, not at a filesystem root, so ops naming the root itself
 * (`/`) are left out: the real root answers EBUSY to rename/rmdir where a directory would not.
 */
import * as nodeFs from 'node:fs';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatten, type Layer, type LayerEntryInput } from '../../src/index.js';
import { layerToVolume } from '../../src/interop/index.js';
import {
  describeTree,
  diffTrees,
  fsOps,
  layerStack,
  rootTarget,
  UTF8_NAMES,
  runOp,
  snapshotTree,
  opPaths,
  type FsLike,
  type FsOp,
} from '../../src/testing/index.js';
import { FlatFs } from './reference/FlatFs.js';
import { runs, seedLabel } from './support/config.js';
import { buildStack } from './support/stack.js';
import { Trace } from './support/trace.js';

const canRun = process.platform === 'linux' && process.getuid?.() === 0 && nodeFs.existsSync('/dev/shm');

/** Node's fs as it is: its realpathSync path.resolve()s first, as the reference models. */
const hostFs = nodeFs as unknown as FsLike;

/** Writes the flattened view of `stack` under `root` with node:fs. */
function populate(root: string, stack: readonly Layer[]): void {
  const flat = flatten(stack);
  const first = new Map<object, string>();
  const attrs: { path: string; mode: number; uid: number; gid: number; mtime: number; symlink: boolean }[] = [];
  for (const path of flat.paths()) {
    const node = flat.node(path)!;
    const real = path === '/' ? root : root + path;
    if (node.kind === 'dir') {
      if (path !== '/') nodeFs.mkdirSync(real);
      attrs.push({ path: real, ...node.meta, symlink: false });
    } else if (node.kind !== 'whiteout') {
      const name = first.get(node.inode);
      if (name !== undefined) {
        nodeFs.linkSync(name, real);
        continue;
      }
      first.set(node.inode, real);
      if (node.kind === 'symlink') nodeFs.symlinkSync(rootTarget(root, node.inode.target), real);
      else nodeFs.writeFileSync(real, node.inode.content.read(0, node.inode.content.size));
      attrs.push({ path: real, ...node.inode.meta, symlink: node.kind === 'symlink' });
    }
  }
  for (const a of attrs.reverse()) {
    const t = new Date(a.mtime);
    if (a.symlink) {
      nodeFs.lchownSync(a.path, a.uid, a.gid);
      nodeFs.lutimesSync(a.path, t, t);
    } else {
      nodeFs.chmodSync(a.path, a.mode);
      nodeFs.chownSync(a.path, a.uid, a.gid);
      nodeFs.utimesSync(a.path, t, t);
    }
  }
}

function namesRoot(op: FsOp): boolean {
  return opPaths(op).some((p) => p.replace(/[/.]/g, '') === '');
}

/** The reference and the host agree on every outcome and on the final tree, op sequence by op sequence. */
function agreesOnRandomOps(stackArb: fc.Arbitrary<LayerEntryInput[][]>, opsArb: fc.Arbitrary<FsOp[]>, numRuns: number): void {
  const previous = process.umask(0o022);
  try {
    fc.assert(
      fc.property(stackArb, opsArb, (inputs, ops) => {
        const stack = buildStack(inputs);
        const root = nodeFs.mkdtempSync('/dev/shm/overlay-ref-');
        try {
          populate(root, stack);
          const ref = new FlatFs(layerToVolume(stack));
          const trace = new Trace();
          for (const op of ops) {
            if (namesRoot(op)) continue;
            const host = runOp(hostFs, root, op);
            const model = runOp(ref, '', op);
            trace.add(op, host);
            expect(model, `ops so far:\n${trace}\n(host vs reference)`).toEqual(host);
          }
          const diff = diffTrees(snapshotTree(hostFs, root), snapshotTree(ref, ''));
          expect(diff, `ops:\n${trace}\nhost tree:\n${describeTree(snapshotTree(hostFs, root))}`).toEqual([]);
        } finally {
          nodeFs.rmSync(root, { recursive: true, force: true });
        }
      }),
      runs(numRuns),
    );
  } finally {
    process.umask(previous);
  }
}

describe.skipIf(!canRun)(`flat reference vs this machine's filesystem (${seedLabel()})`, () => {
  it('agrees on every outcome and on the final tree', () => {
    agreesOnRandomOps(layerStack(), fsOps({ maxLength: 16 }), 150);
  });

  it('agrees with non-ASCII names and names of 255 and 256 bytes', () => {
    agreesOnRandomOps(layerStack({ names: UTF8_NAMES }), fsOps({ names: UTF8_NAMES, maxLength: 16 }), 50);
  });


  it('agrees on directed cases random ops rarely reach', () => {
    // Each is a Linux or Node rule the reference implements on purpose (see FlatFs).
    const cases: FsOp[][] = [
      // libuv copyfile: the target is opened (and truncated) before the copy fails, then unlinked.
      [{ op: 'mkdir', path: '/d' }, { op: 'writeFile', path: '/x', data: 'abc' }, { op: 'copyFile', from: '/d', to: '/x' }, { op: 'exists', path: '/x' }],
      [{ op: 'mkdir', path: '/d' }, { op: 'mkdir', path: '/e' }, { op: 'copyFile', from: '/d', to: '/e', excl: true }],
      // chown drops S_ISUID, and S_ISGID when group-executable, even for root.
      [{ op: 'writeFile', path: '/f', data: 'x' }, { op: 'chmod', path: '/f', mode: 0o6755 }, { op: 'chown', path: '/f', uid: 0, gid: 0 }, { op: 'stat', path: '/f' }],
      [{ op: 'writeFile', path: '/f', data: 'x' }, { op: 'chmod', path: '/f', mode: 0o2745 }, { op: 'chown', path: '/f', uid: 1, gid: 1 }, { op: 'stat', path: '/f' }],
      // A setgid directory hands down its group, and to subdirectories the bit.
      [
        { op: 'mkdir', path: '/d' },
        { op: 'chmod', path: '/d', mode: 0o2755 },
        { op: 'chown', path: '/d', uid: 1, gid: 2 },
        { op: 'mkdir', path: '/d/e' },
        { op: 'writeFile', path: '/d/f', data: '' },
        { op: 'symlink', target: 'f', path: '/d/s' },
        { op: 'stat', path: '/d/e' },
        { op: 'stat', path: '/d/f' },
        { op: 'lstat', path: '/d/s' },
      ],
      // rmSync tries rmdir first: a trailing slash on a symlink to a directory is ENOTDIR.
      [{ op: 'mkdir', path: '/d' }, { op: 'writeFile', path: '/d/f', data: 'x' }, { op: 'symlink', target: 'd', path: '/s' }, { op: 'rm', path: '/s/' }, { op: 'readdir', path: '/d' }],
      // Node's MKDirpSync: its spelling of the first directory made, and its errors.
      [
        { op: 'mkdir', path: '/a//b', recursive: true },
        { op: 'mkdir', path: '/x/y/', recursive: true },
        { op: 'writeFile', path: '/f', data: '' },
        { op: 'mkdir', path: '/f/g', recursive: true },
        { op: 'mkdir', path: '/f/', recursive: true },
        { op: 'symlink', target: '/nowhere/b', path: '/b' },
        { op: 'mkdir', path: '/b', recursive: true },
      ],
      // open(2) flag checks.
      [
        { op: 'writeFile', path: '/f', data: 'abc' },
        { op: 'open', path: '/f', flags: ['O_TRUNC'] },
        { op: 'open', path: '/f', flags: ['O_WRONLY'], write: 'z', truncate: 5 },
        { op: 'readFile', path: '/f' },
        { op: 'mkdir', path: '/d' },
        { op: 'open', path: '/d', flags: ['O_TRUNC'] },
        { op: 'open', path: '/d', flags: [], write: 'x' },
        { op: 'open', path: '/nx', flags: ['O_CREAT', 'O_DIRECTORY'] },
        { op: 'symlink', target: 'l/', path: '/l' },
        { op: 'open', path: '/l', flags: ['O_CREAT'] },
      ],
      // NAME_MAX counts bytes of UTF-8: 128 'é' (256 bytes) and 64 '😀' (256) are too long; 127 'é' and an 'a' (255) is not.
      [
        { op: 'writeFile', path: '/' + 'é'.repeat(128), data: '' },
        { op: 'writeFile', path: '/' + 'é'.repeat(127) + 'a', data: 'x' },
        { op: 'mkdir', path: '/' + '😀'.repeat(64) },
        { op: 'mkdir', path: '/' + '😀'.repeat(63) + 'abc' },
        { op: 'stat', path: '/' + 'é'.repeat(200) },
        { op: 'readdir', path: '/' },
      ],
      // rename: ENOTDIR for a slashed non-directory comes before the ancestor traps.
      [{ op: 'mkdir', path: '/a' }, { op: 'writeFile', path: '/a/c', data: '' }, { op: 'rename', from: '/a/c/', to: '/a' }, { op: 'rename', from: '/a/c', to: '/a/' }],
    ];
    const previous = process.umask(0o022);
    try {
      for (const ops of cases) {
        const root = nodeFs.mkdtempSync('/dev/shm/overlay-ref-');
        try {
          nodeFs.chmodSync(root, 0o755);
          const ref = new FlatFs(layerToVolume([]));
          const trace = new Trace();
          for (const op of ops) {
            const host = runOp(hostFs, root, op);
            trace.add(op, host);
            expect(runOp(ref, '', op), `ops so far:\n${trace}\n(host vs reference)`).toEqual(host);
          }
          expect(diffTrees(snapshotTree(hostFs, root), snapshotTree(ref, ''))).toEqual([]);
        } finally {
          nodeFs.rmSync(root, { recursive: true, force: true });
        }
      }
    } finally {
      process.umask(previous);
    }
  });
});
