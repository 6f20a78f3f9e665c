/**
 * Named scenarios covering every unionmount-testsuite family (the list in harness.test.ts,
 * UNIONMOUNT_FAMILIES, from the testsuite's tests/ directory), run in
 * every mount mode against the kernel and the emulator. The comparison is differential, so a
 * case lists ops only; what the kernel answers is the expectation (EXDEV without redirect_dir,
 * success with it, for the dir-rename families).
 *
 * The fixture follows unionmount-testsuite's set_up.py, under the test dir `/a`: `foo`
 * (`:xxx:yyy:zzz`, uid/gid 1), `direct_sym` → `../a/foo`, `indirect_sym` → `direct_sym`,
 * `pointless` → `no_foo` (dangling), `dir/` holding empty `a` and `pop/` (with `b` =
 * `:aaa:bbb:ccc` and empty dir `c/`), `direct_dir_sym` → `../a/dir`, `indirect_dir_sym` →
 * `direct_dir_sym`, empty dir `empty/`, root-owned `rootfile`; `no_foo` and `no_dir` absent. Each
 * case runs on a fresh mount, so one set of names serves all cases (the testsuite numbers them
 * instead). Two stacks: the testsuite's single lower layer, and the same fixture split over two
 * lowers so that `/a`, `/a/dir` and `/a/dir/pop` are merged directories.
 *
 * Added beyond the testsuite: `lower-hard-link` (a lower inode with three names, which the
 * testsuite's fixture lacks), chmod/chown/utimes, symlink creation, readdir and stat cases.
 *
 * Not covered: `impermissible` as uid 1 (the ops run as root in one process); its root half is.
 * Symlinks with `..` stay at depth 1 in every case (a `..` climbing above a kernel mount's root
 * would reach the host).
 */
import type { LayerEntryInput } from '../../src/layer/index.js';
import type { FsOp, OpenFlag } from '../../src/testing/index.js';
import type { Scenario } from './harness/scenario.js';

const T = 1_600_000_000_000;
const FOO = ':xxx:yyy:zzz';

function file(path: string, content: string, extra: Partial<LayerEntryInput> = {}): LayerEntryInput {
  return { path, type: 'file', content, mode: 0o644, uid: 0, gid: 0, mtime: T, ...extra };
}
function dir(path: string, extra: Partial<LayerEntryInput> = {}): LayerEntryInput {
  return { path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: T, ...extra };
}
function symlink(path: string, target: string): LayerEntryInput {
  return { path, type: 'symlink', target, mtime: T };
}

const FILES: LayerEntryInput[] = [
  file('/a/foo', FOO, { uid: 1, gid: 1 }),
  file('/a/rootfile', FOO),
  file('/a/dir/a', ''),
  file('/a/dir/pop/b', ':aaa:bbb:ccc'),
  dir('/a/empty'),
];
const LINKS: LayerEntryInput[] = [
  symlink('/a/direct_sym', '../a/foo'),
  symlink('/a/indirect_sym', 'direct_sym'),
  symlink('/a/pointless', 'no_foo'),
  dir('/a/dir/pop/c'),
  symlink('/a/direct_dir_sym', '../a/dir'),
  symlink('/a/indirect_dir_sym', 'direct_dir_sym'),
];
/** A lower inode with three names (not in the testsuite's fixture; test/unit/overlay/kernelObservations.test.ts, case 8). */
const HARD_LINKS: LayerEntryInput[] = [
  file('/a/hl1', ':hl:'),
  { path: '/a/hl2', type: 'hardlink', target: '/a/hl1' },
  { path: '/a/dir/hl3', type: 'hardlink', target: '/a/hl1' },
];
/** Ten lower files for the mass-rename families. */
const MASS: LayerEntryInput[] = Array.from({ length: 10 }, (_, i) => file(`/a/m${i}`, `:m${i}:`));
const MASS_SYMS: LayerEntryInput[] = Array.from({ length: 6 }, (_, i) => symlink(`/a/s${i}`, `m${i}`));

const STACKS: { name: string; layers: LayerEntryInput[][] }[] = [
  { name: 'one lower', layers: [[dir('/a'), ...FILES, ...HARD_LINKS, ...LINKS, ...MASS, ...MASS_SYMS]] },
  {
    name: 'two lowers',
    layers: [
      [dir('/a'), ...FILES, ...HARD_LINKS, ...MASS.slice(0, 5)],
      [dir('/a'), dir('/a/dir'), dir('/a/dir/pop'), ...LINKS, ...MASS.slice(5), ...MASS_SYMS],
    ],
  },
];

// ---- op helpers -------------------------------------------------------------------------

const A = (name: string): string => `/a/${name}`;
const read = (name: string): FsOp => ({ op: 'readFile', path: A(name) });
const lstat = (name: string): FsOp => ({ op: 'lstat', path: A(name) });
const stat = (name: string): FsOp => ({ op: 'stat', path: A(name) });
const readdir = (name: string): FsOp => ({ op: 'readdir', path: name === '' ? '/a' : A(name) });
const open = (name: string, flags: OpenFlag[], extra: Partial<Extract<FsOp, { op: 'open' }>> = {}): FsOp => ({ op: 'open', path: A(name), flags, ...extra });
const write = (name: string, data: string): FsOp => ({ op: 'writeFile', path: A(name), data });
const append = (name: string, data: string): FsOp => ({ op: 'appendFile', path: A(name), data });
const truncate = (name: string, len: number): FsOp => ({ op: 'truncate', path: A(name), len });
const unlink = (name: string): FsOp => ({ op: 'unlink', path: A(name) });
const rmdir = (name: string): FsOp => ({ op: 'rmdir', path: A(name) });
const rm = (name: string): FsOp => ({ op: 'rm', path: A(name) });
const mkdir = (name: string): FsOp => ({ op: 'mkdir', path: A(name) });
const rename = (from: string, to: string): FsOp => ({ op: 'rename', from: A(from), to: A(to) });
const link = (from: string, to: string): FsOp => ({ op: 'link', from: A(from), to: A(to) });
const symlinkOp = (target: string, name: string): FsOp => ({ op: 'symlink', target, path: A(name) });
const readlink = (name: string): FsOp => ({ op: 'readlink', path: A(name) });
const chmod = (name: string, mode: number): FsOp => ({ op: 'chmod', path: A(name), mode });
const utimes = (name: string): FsOp => ({ op: 'utimes', path: A(name), atime: 1000, mtime: 1_234_567_890 });
const same = (a: string, b: string): FsOp => ({ op: 'sameInode', path: A(a), other: A(b) });

type Case = { family: string; name: string; ops: FsOp[] };
const cases: Case[] = [];
const add = (family: string, name: string, ops: FsOp[]): void => {
  cases.push({ family, name, ops });
};

// ---- open-*, noent-*, sym1-*, sym2-*, symx-* --------------------------------------------

/** The four ways the testsuite opens a file, with what it does through the fd. */
const ACCESS: { name: string; flags: OpenFlag[]; write?: string }[] = [
  { name: 'rdonly', flags: [] },
  { name: 'wronly', flags: ['O_WRONLY'], write: 'q' },
  { name: 'rdwr', flags: ['O_RDWR'], write: 'q' },
  { name: 'append', flags: ['O_WRONLY', 'O_APPEND'], write: 'q' },
];
const OPEN_FAMILIES: { suffix: string; flags: OpenFlag[] }[] = [
  { suffix: 'plain', flags: [] },
  { suffix: 'trunc', flags: ['O_TRUNC'] },
  { suffix: 'creat', flags: ['O_CREAT'] },
  { suffix: 'creat-trunc', flags: ['O_CREAT', 'O_TRUNC'] },
  { suffix: 'creat-excl', flags: ['O_CREAT', 'O_EXCL'] },
  { suffix: 'creat-excl-trunc', flags: ['O_CREAT', 'O_EXCL', 'O_TRUNC'] },
];
const OPEN_TARGETS: { prefix: string; name: string; families: string[]; after: string[] }[] = [
  { prefix: 'open', name: 'foo', families: OPEN_FAMILIES.map((f) => f.suffix), after: ['foo'] },
  { prefix: 'noent', name: 'no_foo', families: OPEN_FAMILIES.map((f) => f.suffix), after: ['no_foo'] },
  { prefix: 'sym1', name: 'direct_sym', families: ['plain', 'trunc', 'creat', 'creat-excl'], after: ['foo', 'direct_sym'] },
  { prefix: 'sym2', name: 'indirect_sym', families: ['plain', 'trunc', 'creat', 'creat-excl'], after: ['foo', 'indirect_sym'] },
  { prefix: 'symx', name: 'pointless', families: ['plain', 'trunc', 'creat', 'creat-excl', 'creat-trunc'], after: ['no_foo', 'pointless'] },
];
for (const target of OPEN_TARGETS) {
  for (const family of OPEN_FAMILIES.filter((f) => target.families.includes(f.suffix))) {
    for (const access of ACCESS) {
      const flags: OpenFlag[] = [...access.flags, ...family.flags];
      const withWrite = access.write !== undefined ? { write: access.write } : {};
      // Twice, as the testsuite does: the second open sees the first one's copy-up.
      add(`${target.prefix}-${family.suffix}`, access.name, [
        open(target.name, flags, withWrite),
        open(target.name, flags, withWrite),
        ...target.after.map(read),
        lstat(target.name),
      ]);
    }
  }
}

// ---- truncate ---------------------------------------------------------------------------

add('truncate', 'shrink and grow', [truncate('foo', 4), read('foo'), truncate('foo', 28), read('foo'), truncate('foo', 0), read('foo')]);
add('truncate', 'same size', [truncate('foo', FOO.length), read('foo'), stat('foo')]);
add('truncate', 'every length', Array.from({ length: 29 }, (_, n) => truncate('foo', n)).concat([read('foo')]));
add('truncate', 'through symlinks', [truncate('direct_sym', 3), truncate('indirect_sym', 2), read('foo'), lstat('direct_sym')]);
add('truncate', 'dangling, dir, missing', [truncate('pointless', 0), truncate('dir', 0), truncate('no_foo', 0), truncate('direct_dir_sym', 0)]);
add('truncate', 'past a block', [truncate('foo', 70_000), append('foo', 'tail'), stat('foo'), truncate('foo', 5), read('foo')]);

// ---- dir-open, dir-sym1-open, dir-sym2-open, dir-weird-open*, dir-open-dir ---------------

for (const [family, name] of [
  ['dir-open', 'dir'],
  ['dir-sym1-open', 'direct_dir_sym'],
  ['dir-sym2-open', 'indirect_dir_sym'],
] as const) {
  for (const access of ACCESS) add(family, access.name, [open(name, access.flags), readdir(name)]);
  add(family.replace('-open', '-open-dir'), 'O_DIRECTORY', [open(name, ['O_DIRECTORY']), open(name, ['O_WRONLY', 'O_DIRECTORY'])]);
  const weird = family.replace('-open', '-weird-open');
  add(weird, 'O_CREAT', [open(name, ['O_CREAT']), open(name, ['O_RDWR', 'O_CREAT'])]);
  add(weird, 'O_CREAT|O_EXCL', [open(name, ['O_CREAT', 'O_EXCL']), open(name, ['O_WRONLY', 'O_CREAT', 'O_EXCL'])]);
  add(weird, 'O_TRUNC', [open(name, ['O_TRUNC']), open(name, ['O_WRONLY', 'O_TRUNC'])]);
  add(`${weird}-dir`, 'O_DIRECTORY|O_CREAT, O_DIRECTORY|O_TRUNC', [open(name, ['O_DIRECTORY', 'O_CREAT']), open(name, ['O_DIRECTORY', 'O_TRUNC'])]);
}
add('dir-open', 'empty dir', [open('empty', []), open('empty', ['O_RDWR']), readdir('empty')]);

// ---- readlink ---------------------------------------------------------------------------

add('readlink', 'every kind', ['foo', 'dir', 'direct_sym', 'indirect_sym', 'pointless', 'direct_dir_sym', 'indirect_dir_sym', 'no_foo', 'empty'].map(readlink));
add('readlink', 'after writing through the link', [write('direct_sym', 'new'), readlink('direct_sym'), read('foo'), lstat('direct_sym')]);
add('readlink', 'trailing slash', [{ op: 'readlink', path: '/a/direct_dir_sym/' }, { op: 'readlink', path: '/a/direct_sym/' }]);

// ---- mkdir ------------------------------------------------------------------------------

add('mkdir', 'new, then again', [mkdir('no_dir'), mkdir('no_dir'), stat('no_dir'), readdir('')]);
add('mkdir', 'over existing', ['foo', 'dir', 'empty', 'direct_sym', 'indirect_sym', 'pointless', 'direct_dir_sym', 'indirect_dir_sym'].map(mkdir));
add('mkdir', 'inside lower dirs', [mkdir('dir/new'), mkdir('dir/pop/new'), mkdir('empty/new'), write('dir/new/x', 'x'), readdir('dir')]);
add('mkdir', 'through a dir symlink', [mkdir('direct_dir_sym/new'), mkdir('indirect_dir_sym/new2'), readdir('dir')]);
add('mkdir', 'trailing slash', [mkdir('no_dir/'), mkdir('foo/'), mkdir('pointless/'), stat('no_dir')]);
add('mkdir', 'mode', [{ op: 'mkdir', path: '/a/m700', mode: 0o700 }, { op: 'mkdir', path: '/a/m777', mode: 0o777 }, stat('m700'), stat('m777')]);
add('mkdir', 'recursive', [{ op: 'mkdir', path: '/a/x/y/z', recursive: true }, { op: 'mkdir', path: '/a/dir/pop/q', recursive: true }, { op: 'mkdir', path: '/a/dir', recursive: true }]);

// ---- rmdir ------------------------------------------------------------------------------

add('rmdir', 'non-directories and missing', [rmdir('foo'), rmdir('direct_sym'), rmdir('direct_dir_sym'), rmdir('indirect_dir_sym'), rmdir('pointless'), rmdir('no_dir')]);
add('rmdir', 'populated', [rmdir('dir'), rmdir('dir/pop'), readdir('dir')]);
add('rmdir', 'empty, twice', [rmdir('empty'), rmdir('empty'), stat('empty'), readdir('')]);
add('rmdir', 'after emptying it', [unlink('dir/a'), unlink('dir/pop/b'), rmdir('dir/pop/c'), rmdir('dir/pop'), rmdir('dir'), stat('dir'), readdir('')]);
add('rmdir', 'recreate, then remove', [rmdir('empty'), mkdir('empty'), rmdir('empty'), mkdir('empty'), readdir('empty')]);
add('rmdir', 'non-empty opaque dir', [rmdir('empty'), mkdir('empty'), write('empty/x', 'x'), rmdir('empty'), unlink('empty/x'), rmdir('empty'), stat('empty')]);
add('rmdir', 'emptied lower dir, recreated', [unlink('dir/pop/b'), rmdir('dir/pop/c'), rmdir('dir/pop'), mkdir('dir/pop'), readdir('dir/pop'), stat('dir/pop/b')]);
add('rmdir', 'trailing slash', [rmdir('empty/'), rmdir('foo/'), rmdir('direct_dir_sym/'), stat('empty')]);

// ---- rmtree, rmtree-new -----------------------------------------------------------------

add('rmtree', 'populated lower dir', [rm('dir'), stat('dir'), stat('dir/a'), stat('dir/pop/b'), readdir(''), rmdir('dir')]);
add('rmtree', 'then recreate', [rm('dir'), mkdir('dir'), readdir('dir'), stat('dir/pop')]);
add('rmtree-new', 'with a new subdir', [mkdir('dir/new'), write('dir/new/x', 'x'), mkdir('dir/pop/new'), rm('dir'), stat('dir'), readdir('')]);
add('rmtree', 'through a dir symlink, and missing', [rm('direct_dir_sym'), stat('dir/a'), rm('no_dir')]);

// ---- hard-link, hard-link-dir, hard-link-sym --------------------------------------------

add('hard-link', 'lower file', [link('foo', 'foo_link'), read('foo_link'), read('foo'), same('foo', 'foo_link'), stat('foo'), stat('foo_link')]);
add('hard-link', 'then write one name', [link('foo', 'foo_link'), append('foo_link', 'more'), read('foo'), stat('foo')]);
add('hard-link', 'missing source, existing target', [link('no_foo', 'x'), link('foo', 'dir/a'), link('foo', 'foo'), link('foo', 'rootfile'), link('foo', 'pointless')]);
add('hard-link', 'from a removed name', [unlink('foo'), link('foo', 'foo_link'), stat('foo_link')]);
add('hard-link', 'from a renamed-away name', [rename('foo', 'foo2'), link('foo', 'foo_link'), link('foo2', 'foo_link'), read('foo_link'), same('foo2', 'foo_link')]);
add('hard-link', 'chain and unlink', [link('foo', 'l1'), link('l1', 'l2'), unlink('foo'), stat('l2'), read('l2'), unlink('l1'), stat('l2')]);
add('hard-link', 'into another dir', [link('foo', 'dir/pop/foo'), link('dir/pop/b', 'b2'), stat('b2'), same('dir/pop/b', 'b2')]);
add('hard-link', 'trailing slash', [link('foo', 'h/'), link('foo/', 'h'), link('dir/', 'h')]);
add('hard-link-dir', 'directories', [link('dir', 'new'), link('empty', 'new'), link('foo', 'dir'), link('dir', 'foo'), link('direct_dir_sym', 'new_sym')]);
add('hard-link-sym', 'symlinks', [link('direct_sym', 'sl'), readlink('sl'), lstat('sl'), read('sl'), link('pointless', 'pl'), readlink('pl')]);
add('hard-link-sym', 'self loop', [link('pointless', 'no_foo'), read('no_foo'), read('pointless'), lstat('no_foo')]);

// Lower hard links: index=off breaks them on copy-up, index=on keeps them (overlayfs.rst,
// 'Index' and 'Non-standard behavior': hard links are broken on copy-up without the index).
add('lower-hard-link', 'write one name', [append('hl1', '+'), read('hl2'), read('dir/hl3'), stat('hl1'), stat('hl2'), same('hl1', 'hl2')]);
add('lower-hard-link', 'write two names', [append('hl1', '+'), append('hl2', '-'), read('hl1'), read('hl2'), read('dir/hl3'), stat('dir/hl3')]);
add('lower-hard-link', 'chmod one name', [chmod('hl2', 0o600), stat('hl1'), stat('hl2'), stat('dir/hl3')]);
add('lower-hard-link', 'unlink one name', [unlink('hl1'), stat('hl2'), unlink('hl2'), stat('dir/hl3')]);
add('lower-hard-link', 'rename one name', [rename('hl2', 'hl4'), read('hl4'), stat('hl1'), same('hl1', 'hl4')]);
add('lower-hard-link', 'link another name', [link('hl1', 'hl5'), stat('hl2'), stat('hl5'), same('hl2', 'hl5')]);
add('lower-hard-link', 'truncate the third name', [truncate('dir/hl3', 0), read('hl1'), stat('hl1'), utimes('hl2'), stat('hl2')]);
add('lower-hard-link', 'open for write without writing', [open('hl1', ['O_RDWR']), stat('hl1'), stat('hl2')]);

// ---- unlink -----------------------------------------------------------------------------

add('unlink', 'file twice', [unlink('foo'), unlink('foo'), stat('foo'), read('direct_sym'), readdir('')]);
add('unlink', 'symlinks keep targets', [unlink('direct_sym'), read('foo'), read('indirect_sym'), unlink('indirect_sym'), unlink('pointless'), unlink('direct_dir_sym'), readdir('dir')]);
add('unlink', 'dirs and missing', [unlink('dir'), unlink('empty'), unlink('no_foo'), unlink('dir/pop/c')]);
add('unlink', 'then recreate', [unlink('foo'), write('foo', 'new'), read('foo'), stat('foo')]);
add('unlink', 'copied-up file', [append('foo', 'x'), unlink('foo'), stat('foo')]);
add('unlink', 'new file', [write('new', 'x'), unlink('new'), stat('new')]);
add('unlink', 'trailing slash', [unlink('foo/'), unlink('direct_dir_sym/'), unlink('direct_sym/'), stat('foo')]);

// ---- rename-file, rename-hard-link ------------------------------------------------------

add('rename-file', 'and back', [rename('foo', 'no_foo'), read('no_foo'), stat('foo'), rename('no_foo', 'foo'), read('foo'), stat('no_foo')]);
add('rename-file', 'over another file', [rename('foo', 'rootfile'), read('rootfile'), stat('foo')]);
add('rename-file', 'onto itself', [rename('foo', 'foo'), read('foo'), rename('direct_sym', 'direct_sym')]);
add('rename-file', 'over dirs', [rename('foo', 'dir'), rename('foo', 'empty'), rename('foo', 'direct_dir_sym'), read('direct_dir_sym/a')]);
add('rename-file', 'over its own parent', [{ op: 'rename', from: '/a/foo', to: '/a' }]);
add('rename-file', 'missing source', [rename('no_foo', 'x'), rename('pointless', 'x'), readlink('x')]);
add('rename-file', 'into another dir', [rename('foo', 'dir/pop/foo'), read('dir/pop/foo'), rename('dir/a', 'a2'), read('a2'), readdir('dir')]);
add('rename-file', 'copied-up file', [append('foo', '+'), rename('foo', 'foo2'), read('foo2'), stat('foo')]);
add('rename-file', 'new file', [write('new', 'x'), rename('new', 'new2'), rename('new2', 'foo'), read('foo')]);
add('rename-file', 'symlinks', [rename('direct_sym', 'ds2'), readlink('ds2'), read('ds2'), read('indirect_sym'), rename('direct_dir_sym', 'dds2'), readdir('dds2')]);
add('rename-file', 'trailing slash', [rename('foo/', 'x'), rename('foo', 'x/'), rename('foo', 'empty/'), stat('foo')]);
add('rename-hard-link', 'one name of a pair', [link('foo', 'foo2'), rename('foo2', 'foo3'), read('foo'), read('foo3'), same('foo', 'foo3')]);
add('rename-hard-link', 'onto the other name', [link('foo', 'foo2'), rename('foo', 'foo2'), read('foo'), read('foo2'), stat('foo2')]);
add('rename-hard-link', 'lower pair', [link('foo', 'foo2'), rename('foo', 'dir/foo'), unlink('foo2'), stat('dir/foo')]);

// ---- rename-mass* -----------------------------------------------------------------------

/** Rotates names n0 → n1 → … → n(k-1) → tmp → n0 one step (each file moves up one slot). */
function rotate(names: string[], spare: string): FsOp[] {
  const ops: FsOp[] = [rename(names[names.length - 1]!, spare)];
  for (let i = names.length - 1; i > 0; i--) ops.push(rename(names[i - 1]!, names[i]!));
  ops.push(rename(spare, names[0]!));
  return ops;
}
const lowerMass = Array.from({ length: 10 }, (_, i) => `m${i}`);
add('rename-mass', 'lower files rotated', [...rotate(lowerMass, 'spare'), ...lowerMass.map(read), stat('spare')]);
add('rename-mass-2', 'new files rotated', [
  ...lowerMass.map((n) => write(`n${n}`, n)),
  ...rotate(lowerMass.map((n) => `n${n}`), 'spare'),
  ...lowerMass.map((n) => read(`n${n}`)),
]);
add('rename-mass-3', 'hard-linked files rotated', [
  ...lowerMass.slice(0, 6).map((n) => link(n, `h${n}`)),
  ...rotate(lowerMass.slice(0, 6).map((n) => `h${n}`), 'spare'),
  ...lowerMass.slice(0, 6).flatMap((n) => [read(`h${n}`), read(n)]),
  same('m0', 'hm1'),
]);
add('rename-mass-4', 'lower and new mixed', [
  write('n0', 'n0'),
  write('n1', 'n1'),
  ...rotate(['m0', 'n0', 'm1', 'n1', 'm2'], 'spare'),
  ...['m0', 'n0', 'm1', 'n1', 'm2'].map(read),
]);
add('rename-mass-5', 'rotated there and back', [...rotate(lowerMass, 'spare'), ...rotate([...lowerMass].reverse(), 'spare'), ...lowerMass.map(read), ...lowerMass.map(unlink), readdir('')]);
add('rename-mass-dir', 'new dirs rotated', [
  ...[0, 1, 2, 3].map((i) => mkdir(`nd${i}`)),
  ...[0, 1, 2, 3].map((i) => write(`nd${i}/f`, `${i}`)),
  ...rotate(['nd0', 'nd1', 'nd2', 'nd3'], 'spare'),
  ...[0, 1, 2, 3].map((i) => read(`nd${i}/f`)),
  ...[0, 1, 2, 3].map((i) => rm(`nd${i}`)),
]);
add('rename-mass-sym', 'symlinks rotated', [
  ...rotate(['s0', 's1', 's2', 's3', 's4', 's5'], 'spare'),
  ...['s0', 's1', 's2', 's3', 's4', 's5'].flatMap((n) => [readlink(n), read(n)]),
  ...['s0', 's1', 's2', 's3', 's4', 's5'].map(unlink),
]);

// ---- rename-new-dir, rename-new-pop-dir -------------------------------------------------

const newDir = [mkdir('nd')];
const newPopDir = [mkdir('nd'), write('nd/x', 'x'), mkdir('nd/sub'), write('nd/sub/y', 'y')];
for (const [family, setup] of [
  ['rename-new-dir', newDir],
  ['rename-new-pop-dir', newPopDir],
] as const) {
  add(family, 'rename and back', [...setup, rename('nd', 'nd2'), readdir('nd2'), stat('nd'), rename('nd2', 'nd'), readdir('nd')]);
  add(family, 'into a lower dir', [...setup, rename('nd', 'dir/nd'), readdir('dir/nd'), rename('dir/nd', 'dir/pop/nd'), readdir('dir/pop')]);
  add(family, 'over an empty lower dir', [...setup, rename('nd', 'empty'), readdir('empty')]);
  add(family, 'over a populated lower dir', [...setup, rename('nd', 'dir'), rename('nd', 'dir/pop'), readdir('dir')]);
  add(family, 'over a removed empty lower dir', [...setup, rmdir('empty'), rename('nd', 'empty'), readdir('empty')]);
  add(family, 'over a removed populated lower dir', [...setup, rm('dir'), rename('nd', 'dir'), readdir('dir'), stat('dir/a'), stat('dir/pop/b')]);
  add(family, 'into its own child', [...setup, mkdir('nd/child'), rename('nd', 'nd/child/x'), rename('nd', 'nd/child')]);
  add(family, 'over a file and a symlink', [...setup, rename('nd', 'foo'), rename('nd', 'direct_dir_sym'), rename('nd', 'pointless')]);
  add(family, 'onto itself', [...setup, rename('nd', 'nd'), readdir('nd')]);
  add(family, 'then remove', [...setup, rename('nd', 'nd2'), rm('nd2'), readdir('')]);
}

// ---- rename-exdev | rename-dir, rename-empty-dir, rename-pop-dir, rename-move-dir --------
// EXDEV without redirect_dir, success with it; the comparison is differential.

add('rename-empty-dir', 'rename and back', [rename('empty', 'empty2'), readdir('empty2'), stat('empty'), rename('empty2', 'empty'), readdir('')]);
add('rename-empty-dir', 'move to another dir', [rename('empty', 'dir/empty'), readdir('dir'), write('dir/empty/x', 'x'), readdir('dir/empty')]);
add('rename-empty-dir', 'over another empty dir', [mkdir('new'), rename('empty', 'new'), rename('new', 'empty')]);
add('rename-pop-dir', 'rename and read', [rename('dir', 'dir2'), readdir('dir2'), read('dir2/pop/b'), stat('dir'), rename('dir2', 'dir'), readdir('dir')]);
add('rename-pop-dir', 'rmdir and unlink the renamed dir', [rename('dir', 'dir2'), rmdir('dir2'), unlink('dir2'), rm('dir2'), readdir('')]);
add('rename-pop-dir', 'over a populated dir, a file, its child', [rename('dir', 'dir/pop'), rename('dir', 'foo'), rename('dir/pop', 'dir/pop/c'), rename('dir', 'empty'), readdir('empty')]);
add('rename-pop-dir', 'through a dir symlink', [rename('direct_dir_sym/pop', 'pop2'), readdir('pop2'), readdir('dir')]);
add('rename-move-dir', 'subdir out and back', [rename('dir/pop', 'pop'), readdir('pop'), read('pop/b'), readdir('dir'), rename('pop', 'dir/pop'), readdir('dir/pop')]);
add('rename-move-dir', 'into another lower dir', [rename('dir/pop', 'empty/pop'), readdir('empty/pop'), rename('empty', 'dir/empty'), readdir('dir/empty/pop')]);
add('rename-dir', 'new content then rename', [write('dir/new', 'n'), mkdir('dir/pop/nd'), rename('dir', 'dir2'), readdir('dir2'), readdir('dir2/pop'), rename('dir2/pop', 'dir2/pop2'), readdir('dir2')]);
add('rename-dir', 'renamed twice, then recreate the old name', [rename('dir', 'dir2'), rename('dir2', 'dir3'), mkdir('dir'), readdir('dir'), readdir('dir3')]);
add('rename-dir', 'copied-up dir', [chmod('dir', 0o700), rename('dir', 'dir2'), stat('dir2'), readdir('dir2')]);
add('rename-exdev', 'dir with a lower part, trailing slash', [rename('dir/', 'dir2/'), rename('empty/', 'e2'), readdir('')]);

// ---- impermissible (root half), chmod, utimes -------------------------------------------

add('impermissible', 'root writes, appends, truncates', [open('rootfile', ['O_WRONLY'], { write: 'shark' }), read('rootfile'), append('rootfile', 'shark'), truncate('rootfile', 4), read('rootfile'), utimes('rootfile')]);
add('chmod', 'file, dir, through symlinks', [chmod('foo', 0o600), chmod('dir', 0o700), chmod('direct_sym', 0o640), chmod('direct_dir_sym', 0o711), stat('foo'), stat('dir'), lstat('direct_sym')]);
add('chmod', 'missing and dangling', [chmod('no_foo', 0o600), chmod('pointless', 0o600), chmod('foo/', 0o600)]);
add('chmod', 'then write', [chmod('foo', 0o400), append('foo', 'x'), read('foo'), stat('foo')]);
add('chmod', 'setgid and sticky', [chmod('foo', 0o2755), chmod('empty', 0o1777), stat('foo'), stat('empty')]);
add('chmod', 'one name of a hard link', [link('foo', 'h'), chmod('h', 0o600), stat('foo'), stat('h')]);
add('chown', 'file and dir', [{ op: 'chown', path: '/a/foo', uid: 2, gid: 3 }, { op: 'chown', path: '/a/dir', uid: 1, gid: 1 }, stat('foo'), stat('dir')]);
add('utimes', 'every kind', [utimes('foo'), utimes('dir'), utimes('direct_sym'), utimes('empty'), utimes('no_foo'), utimes('pointless'), read('foo')]);

// ---- symlink creation, readdir, stat ------------------------------------------------------

add('symlink', 'create over everything', [symlinkOp('foo', 'foo'), symlinkOp('x', 'dir'), symlinkOp('x', 'pointless'), symlinkOp('foo', 'nsym'), read('nsym'), symlinkOp('/a/dir', 'nabs'), readdir('nabs')]);
add('symlink', 'trailing slash and dangling', [symlinkOp('foo', 'sl/'), symlinkOp('no_such', 'dangle'), write('dangle', 'created'), read('no_such')]);
add('readdir', 'merged dirs', [readdir(''), readdir('dir'), readdir('dir/pop'), readdir('direct_dir_sym'), readdir('foo'), readdir('no_dir'), { op: 'readdir', path: '/' }]);
add('stat', 'every kind', ['foo', 'dir', 'direct_sym', 'indirect_sym', 'pointless', 'direct_dir_sym', 'empty', 'no_foo', 'dir/pop/c'].flatMap((n) => [stat(n), lstat(n)]));
add('stat', 'trailing slashes', [stat('foo/'), lstat('foo/'), lstat('direct_dir_sym/'), stat('direct_dir_sym/'), lstat('pointless/')]);
add('write', 'through dangling symlink', [write('pointless', 'created'), read('no_foo'), readlink('pointless')]);

/** Every case on every fixture stack. */
export const CATALOGUE: Scenario[] = STACKS.flatMap((stack) =>
  cases.map((c) => ({ name: `${c.family}: ${c.name} [${stack.name}]`, layers: stack.layers, ops: c.ops })),
);

/** Families the catalogue covers (for the coverage test). */
export const CATALOGUE_FAMILIES: readonly string[] = [...new Set(cases.map((c) => c.family))].sort();
