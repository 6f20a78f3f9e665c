// Section 6's output (bench/sections/bigImage.mjs): where its files go, its tables, and its rows
// in the summary with the targets of issue 9.

import { statfsSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';

import { table } from '../lib/report.mjs';

const GiB = 2 ** 30;

/**
 * The directory the section's trees and stores go under: BENCH_BIG_DIR, else /dev/shm when it
 * has `needBytes` free and memory to spare beyond them (it is RAM), else the system temp directory.
 */
export function chooseScratch(needBytes) {
  if (process.env.BENCH_BIG_DIR) return process.env.BENCH_BIG_DIR;
  const free = (dir) => {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      return 0;
    }
  };
  if (free('/dev/shm') >= needBytes && freemem() >= needBytes + 4 * GiB) return '/dev/shm';
  if (free(tmpdir()) < needBytes) console.log(`note: ${tmpdir()} has ${(free(tmpdir()) / GiB).toFixed(1)} GiB free, the run needs about ${(needBytes / GiB).toFixed(1)} GiB`);
  return tmpdir();
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mib = (x) => `${x.toFixed(0)} MiB`;

// Per case: what it is compared with, and the goals (ratio, peak RSS of ours in MiB).
const CASES = [
  ['cat', 'demo image', 2, 150, '`cat` of a 5-byte file'],
  ['ls -R', 'demo image', 2, 150, '`ls -R /`'],
  ['explain', 'demo image', 2, 150, '`explain` of a file'],
  ['write', 'demo image', 2, 150, '`write` of a small file'],
  ['diff', 'demo image', 2, 150, '`diff`'],
  ['history', 'demo image', 1.2, null, '`history`'],
  ['inspect', 'demo image', 1.2, null, '`inspect`'],
  ['write + commit', 'demo image', 2, null, '`write` + `commit` of 3.5 KB'],
  ['commit of a new file', 'sha256sum + gzip -1', 1.5, null, '`commit` of a new file'],
  ['import', 'umoci insert', 1, 300, 'import of the rootfs'],
  ['load', 'skopeo copy docker-archive: oci:', 1, 300, 'load of its docker-archive'],
  ['save', 'skopeo copy oci: docker-archive:', 1, null, 'save'],
  ['cat vs tar -xzOf', 'tar -xzOf on the layer', null, null, '`cat` of a 5-byte file'],
];

/** The table of cases: ours on the big image against the demo image or the peer. */
export function ratioRows(big) {
  const rows = [];
  for (const [key, against] of CASES) {
    const c = big.cases[key];
    if (!c) continue;
    rows.push([key, s(c.ours.ms), mib(c.ours.rssMiB), against, c.base ? s(c.base.ms) : 'peer missing', c.base ? mib(c.base.rssMiB) : '-', c.base ? `${c.ratio.toFixed(2)}x` : '-']);
  }
  console.log(`\nbig image: ${(big.rootfs.bytes / 1e6).toFixed(0)} MB, ${big.rootfs.entries} entries; medians of ${big.settings.reps} round(s), peak RSS the largest of them`);
  table(['case', 'big image', 'peak RSS', 'against', 'its time', 'its RSS', 'ratio'], rows);
}

/** The growth table: what the same small change and read cost as the image grows. */
export function growthTable(growth) {
  if (!growth.length) return;
  console.log('\ngrowth: the same commands on images of several sizes (medians)');
  table(
    ['image', 'entries', 'import', 'write + commit 3.5 KB', 'cat 5 bytes', 'peak RSS (cat)'],
    growth.map((g) => [`${g.mb} MB`, g.entries, s(g.import.ms), s(g.writeCommit.ms), s(g.cat.ms), mib(g.cat.rssMiB)]),
  );
}

/** The summary's rows for section 6: each ratio and RSS against the goals of issue 9. */
export function bigTargets(big, targets) {
  const size = `${(big.rootfs.bytes / 1e6).toFixed(0)} MB image`;
  for (const [key, against, goalX, goalMiB, label] of CASES) {
    const c = big.cases[key];
    if (!c) continue;
    const goal = goalX === null ? '-' : `≤ ${goalX}x${goalMiB ? `, ≤ ${goalMiB} MiB` : ''}`;
    const name = `${label}, ${size}, vs ${against}`;
    if (!c.base) {
      targets.add(name, '-', null, true, 'peer missing');
      continue;
    }
    const pass = (goalX === null || c.ratio <= goalX) && (!goalMiB || c.ours.rssMiB <= goalMiB);
    targets.add(name, goal, { ratio: c.ratio, ms: c.ours.ms, rssMiB: c.ours.rssMiB, baseMs: c.base.ms }, pass, `${c.ratio.toFixed(2)}x (${s(c.ours.ms)} vs ${s(c.base.ms)}), ${mib(c.ours.rssMiB)}`);
  }
  for (const g of big.growth) {
    targets.add(`growth ${g.mb} MB (${g.entries} entries): write + commit 3.5 KB / cat 5 bytes`, '-', { writeCommitMs: g.writeCommit.ms, catMs: g.cat.ms }, true, `${s(g.writeCommit.ms)} / ${s(g.cat.ms)}`);
  }
}
