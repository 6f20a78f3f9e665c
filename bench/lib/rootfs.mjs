// A deterministic, distro-shaped rootfs for the big-image section (bench/sections/bigImage.mjs).
//
// The tree looks like a Debian rootfs: /usr/bin (executables), /usr/lib (shared libraries with a
// long tail of big ones, Python modules), /usr/include (headers), /usr/share/{doc,man,zoneinfo},
// /etc (small configuration files), plus symlinks (library sonames, command aliases). Mostly
// small files with a long tail of big ones: sizes are log-normal per kind, then scaled so that the
// files add up to the requested total. Content comes from three seeded pools, so gzip ratios are
// realistic (a whole tree gzips to about a third): text (headers, docs, configs: word-like text
// that gzips about 3x), random (man pages and changelogs already gzipped, zoneinfo) and binary
// (executables and libraries: blocks of random bytes, text, zeros and repeated patterns).
//
// The same (bytes, entries, seed) gives the same tree, byte for byte, with the same times.

import { mkdirSync, symlinkSync, utimesSync, writeFileSync, lutimesSync } from 'node:fs';
import { join } from 'node:path';

import { rng } from './timing.mjs';

/** The file `cat` reads in every case: 5 bytes. */
export const CAT_PATH = '/etc/hostname';
export const CAT_CONTENT = 'bench';
/** The lower file that write cases change (copy-up), and the file `explain` asks about. */
export const CHANGE_PATH = '/etc/motd';
export const EXPLAIN_PATH = '/usr/bin/bench-tool';

const POOL = 8 * 1024 * 1024;
const MTIME = new Date('2024-01-01T00:00:00Z');

// Per kind: share of the files, median size, log-normal sigma, content pool, mode, where they go
// and how many files a directory holds.
const KINDS = [
  { name: 'bin', share: 0.05, median: 30_000, sigma: 1.3, pool: 'binary', mode: 0o755, base: '/usr/bin', flat: true, ext: '' },
  { name: 'lib', share: 0.1, median: 40_000, sigma: 1.8, pool: 'binary', mode: 0o644, base: '/usr/lib/x86_64-linux-gnu', perDir: 40, ext: '.so' },
  { name: 'py', share: 0.22, median: 6_000, sigma: 1.2, pool: 'text', mode: 0o644, base: '/usr/lib/python3/dist-packages', perDir: 12, ext: '.py' },
  { name: 'include', share: 0.2, median: 4_000, sigma: 1.1, pool: 'text', mode: 0o644, base: '/usr/include', perDir: 15, ext: '.h' },
  { name: 'doc', share: 0.14, median: 2_500, sigma: 1.3, pool: 'mixed', mode: 0o644, base: '/usr/share/doc', perDir: 4, ext: '' },
  { name: 'man', share: 0.14, median: 2_000, sigma: 0.9, pool: 'random', mode: 0o644, base: '/usr/share/man', perDir: 300, ext: '.gz' },
  { name: 'zoneinfo', share: 0.05, median: 1_500, sigma: 0.6, pool: 'random', mode: 0o644, base: '/usr/share/zoneinfo', perDir: 60, ext: '' },
  { name: 'etc', share: 0.1, median: 800, sigma: 1.0, pool: 'text', mode: 0o644, base: '/etc', perDir: 8, ext: '.conf' },
];

const SYLLABLES = 'ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu xa xe zo zu'.split(' ');

function word(next, min = 1, max = 3) {
  let w = '';
  const n = min + Math.floor(next() * (max - min + 1));
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)];
  return w;
}

function normal(next) {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** The three content pools, POOL bytes each, from `seed`. */
function makePools(seed) {
  const next = rng(seed ^ 0x5eed);
  const random = Buffer.alloc(POOL);
  for (let i = 0; i < POOL; i += 4) random.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  // Text: words drawn with a skewed frequency from a vocabulary, in lines, as in C headers and docs.
  const vocab = Array.from({ length: 1500 }, () => word(next, 1, 4));
  const parts = [];
  let length = 0;
  while (length < POOL) {
    let line = next() < 0.2 ? '#define ' : next() < 0.3 ? '  ' : '';
    const words = 3 + Math.floor(next() * 10);
    for (let i = 0; i < words; i++) line += vocab[Math.floor(vocab.length * next() ** 4)] + (next() < 0.1 ? '_' + Math.floor(next() * 1000) : '') + ' ';
    line += next() < 0.3 ? ';\n' : '\n';
    parts.push(line);
    length += line.length;
  }
  const text = Buffer.from(parts.join('')).subarray(0, POOL);
  // Binary: blocks of random bytes (code), text (strings), zeros (padding), short repeated patterns (tables).
  const binary = Buffer.alloc(POOL);
  for (let at = 0; at < POOL; ) {
    const len = Math.min(POOL - at, 256 + Math.floor(next() * 4096));
    const r = next();
    const from = Math.floor(next() * (POOL - len));
    if (r < 0.3) random.copy(binary, at, from, from + len);
    else if (r < 0.6) text.copy(binary, at, from, from + len);
    else if (r < 0.8) binary.fill(0, at, at + len);
    else binary.fill(random.subarray(at % (POOL - 16), (at % (POOL - 16)) + 1 + Math.floor(next() * 15)), at, at + len);
    at += len;
  }
  const mixed = Buffer.concat([text.subarray(0, POOL / 2), random.subarray(0, POOL / 2)]);
  return { random, text, binary, mixed };
}

/** `size` bytes of `pool` from a seeded offset (several slices when the file is larger than the pool). */
function contentOf(pools, pool, size, next) {
  const src = pools[pool];
  if (size <= POOL) {
    const at = Math.floor(next() * (POOL - size + 1));
    return src.subarray(at, at + size);
  }
  const chunks = [];
  for (let left = size; left > 0; left -= POOL) chunks.push(contentOf(pools, pool, Math.min(POOL, left), next));
  return Buffer.concat(chunks);
}

/**
 * The tree for `bytes` of file content and about `entries` entries (directories, files and
 * symlinks): { dirs, files: [{ path, size, pool, mode }], symlinks: [{ path, target }] }.
 */
export function planRootfs({ bytes, entries, seed = 1 }) {
  const next = rng(seed);
  const nSymlinks = Math.round(entries * 0.03);
  // About one directory per 9 files overall; the exact count follows from each kind's perDir.
  const nFiles = Math.max(KINDS.length * 2, Math.round((entries - nSymlinks) * 0.9) - 4);
  const dirs = new Set(['/etc', '/usr', '/usr/bin', '/usr/lib', '/usr/lib/x86_64-linux-gnu', '/usr/lib/python3', '/usr/include', '/usr/share', '/usr/share/doc', '/usr/share/man', '/usr/share/zoneinfo']);
  const files = [];
  const symlinks = [];
  for (const kind of KINDS) {
    const count = Math.max(2, Math.round(nFiles * kind.share));
    const perDir = kind.flat ? count : kind.perDir;
    const nDirs = Math.ceil(count / perDir);
    const kindDirs = [];
    for (let d = 0; d < nDirs; d++) {
      let dir = kind.flat ? kind.base : `${kind.base}/${kind.name === 'man' ? `man${(d % 8) + 1}${d >= 8 ? `.${Math.floor(d / 8)}` : ''}` : `${word(next)}${d}`}`;
      // Some packages have a second level (python packages, include subdirectories).
      if (!kind.flat && (kind.name === 'py' || kind.name === 'include') && next() < 0.4) {
        dirs.add(dir);
        dir = `${dir}/${word(next, 1, 2)}`;
      }
      dirs.add(dir);
      kindDirs.push(dir);
    }
    for (let i = 0; i < count; i++) {
      const dir = kindDirs[i % kindDirs.length];
      const size = Math.max(0, Math.round(kind.median * Math.exp(kind.sigma * normal(next))));
      files.push({ path: `${dir}/${word(next)}${i}${kind.ext}`, size, pool: kind.pool, mode: kind.mode, kind: kind.name });
    }
  }
  // Scale to the requested total: the shape of each distribution stays, the tail is capped at 4%.
  const cap = Math.max(4096, Math.round(bytes * 0.04));
  for (let pass = 0; pass < 3; pass++) {
    const sum = files.reduce((s, f) => s + f.size, 0);
    const factor = bytes / sum;
    for (const f of files) f.size = Math.min(cap, Math.round(f.size * factor));
  }
  // Symlinks: sonames to libraries, aliases to commands.
  const libs = files.filter((f) => f.kind === 'lib');
  const bins = files.filter((f) => f.kind === 'bin');
  for (let i = 0; i < nSymlinks; i++) {
    const target = i % 2 ? libs[i % libs.length] : bins[i % bins.length];
    const dir = target.path.slice(0, target.path.lastIndexOf('/'));
    symlinks.push({ path: `${dir}/link${i}-${target.path.slice(dir.length + 1)}`, target: target.path.slice(dir.length + 1) });
  }
  files.push({ path: CAT_PATH, size: CAT_CONTENT.length, pool: null, mode: 0o644, kind: 'etc' });
  files.push({ path: CHANGE_PATH, size: 300, pool: 'text', mode: 0o644, kind: 'etc' });
  files.push({ path: EXPLAIN_PATH, size: 20_000, pool: 'binary', mode: 0o755, kind: 'bin' });
  return { dirs: [...dirs].sort(), files, symlinks };
}

/**
 * Writes the tree of planRootfs({ bytes, entries, seed }) under `root` (which must not exist) and
 * returns what it holds: { root, bytes, files, dirs, symlinks, entries }.
 */
export function writeRootfs(root, { bytes, entries, seed = 1 }) {
  const plan = planRootfs({ bytes, entries, seed });
  const pools = makePools(seed);
  const next = rng(seed ^ 0xc0ffee);
  mkdirSync(root, { recursive: true });
  for (const d of plan.dirs) mkdirSync(join(root, d), { recursive: true });
  let total = 0;
  for (const f of plan.files) {
    const data = f.pool ? contentOf(pools, f.pool, f.size, next) : Buffer.from(CAT_CONTENT);
    writeFileSync(join(root, f.path), data, { mode: f.mode });
    utimesSync(join(root, f.path), MTIME, MTIME);
    total += data.length;
  }
  for (const s of plan.symlinks) {
    symlinkSync(s.target, join(root, s.path));
    lutimesSync(join(root, s.path), MTIME, MTIME);
  }
  // Directories last, deepest first, so adding their entries does not change their times again.
  for (const d of [...plan.dirs].reverse()) utimesSync(join(root, d), MTIME, MTIME);
  return { root, bytes: total, files: plan.files.length, dirs: plan.dirs.length, symlinks: plan.symlinks.length, entries: plan.files.length + plan.dirs.length + plan.symlinks.length };
}

/** A file of `size` bytes with the binary pool's mix (about 2x under gzip), for the commit case. */
export function writeBlob(file, size, seed = 7) {
  const pools = makePools(seed);
  const next = rng(seed);
  writeFileSync(file, contentOf(pools, 'binary', size, next));
}
