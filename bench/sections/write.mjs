// Section 3: writing 1 byte into a 256 MiB lower file, time and extra memory (after gc), on fresh
// mounts so every write is a copy-up; memfs for context.

import { Volume, createFsFromVolume } from 'memfs';

import { MiB, QUICK } from '../lib/config.mjs';
import { Layer, Overlay } from '../lib/package.mjs';
import { fmtBytes, fmtNs, section, table } from '../lib/report.mjs';
import { gc, median } from '../lib/timing.mjs';

const ONE = Buffer.from('x');
const BIG_FILE = '/data/big.bin';

/** Opens r+, writes one byte, closes: the operation the target is about. */
function oneByteWrite(fs, offset) {
  const fd = fs.openSync(BIG_FILE, 'r+');
  fs.writeSync(fd, ONE, 0, 1, offset);
  fs.closeSync(fd);
}

/** Isolated writes: gc right before, memory read before and after (mount kept alive). */
function measureWrite(makeFs, offset, reps) {
  const samples = [];
  const keep = [];
  for (let i = 0; i < reps; i++) {
    const fs = makeFs(i);
    keep.push(fs); // alive across the second memory reading
    gc();
    const m0 = process.memoryUsage();
    const t = process.hrtime.bigint();
    oneByteWrite(fs, offset);
    const ns = Number(process.hrtime.bigint() - t);
    gc();
    const m1 = process.memoryUsage();
    samples.push({ ns, heap: m1.heapUsed - m0.heapUsed, arrayBuffers: m1.arrayBuffers - m0.arrayBuffers });
  }
  const extra = samples.map((s) => s.heap + s.arrayBuffers);
  return {
    nsMedian: median(samples.map((s) => s.ns)),
    nsFirst: samples[0].ns,
    nsMax: Math.max(...samples.map((s) => s.ns)),
    extraBytesMedian: median(extra),
    extraBytesMax: Math.max(...extra),
    heapMedian: median(samples.map((s) => s.heap)),
    arrayBuffersMedian: median(samples.map((s) => s.arrayBuffers)),
    keep,
  };
}

/** Steady state: back-to-back writes, each on a fresh mount, without a gc in between. */
function steadyWrite(makeFs, offset, reps) {
  const ns = [];
  for (let i = 0; i < reps; i++) {
    const fs = makeFs();
    const t = process.hrtime.bigint();
    oneByteWrite(fs, offset);
    ns.push(Number(process.hrtime.bigint() - t));
  }
  return median(ns);
}

export function runWrite() {
  section('3. 1-byte write into a 256 MiB lower file');
  const BIG = 256 * MiB;
  const OFFSET = 128 * MiB + 12345;
  const bigBytes = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i += 4096) bigBytes[i] = i & 0xff;
  const bigLayer = Layer.fromEntries([{ path: BIG_FILE, type: 'file', content: bigBytes }]);
  const smallLayer = Layer.fromEntries([{ path: BIG_FILE, type: 'file', content: new Uint8Array(MiB) }]);

  // Cold: the very first write through this code path in the process.
  const cold = measureWrite(() => new Overlay({ lowers: [bigLayer] }).fs, OFFSET, 1);
  // Warm the code path on a small file, then measure on fresh mounts of the 256 MiB layer.
  measureWrite(() => new Overlay({ lowers: [smallLayer] }).fs, 1234, 20);
  const ov = measureWrite(() => new Overlay({ lowers: [bigLayer] }).fs, OFFSET, QUICK ? 5 : 15);
  ov.nsSteady = steadyWrite(() => new Overlay({ lowers: [bigLayer] }).fs, OFFSET, QUICK ? 100 : 500);
  // The upper must really hold the change and the lower must not: check on the last mount.
  const fs = ov.keep[ov.keep.length - 1];
  const b = Buffer.alloc(3);
  const fd = fs.openSync(BIG_FILE, 'r');
  fs.readSync(fd, b, 0, 3, OFFSET - 1);
  fs.closeSync(fd);
  if (b[1] !== 0x78 || bigBytes[OFFSET] === 0x78 || fs.statSync(BIG_FILE).size !== BIG) throw new Error('1-byte write did not land as expected');
  ov.keep.length = 0;
  cold.keep.length = 0;
  gc();

  // memfs for context: its file already lives in the volume (a 256 MiB Buffer it owns).
  const memVol = Volume.fromJSON({ [BIG_FILE]: Buffer.alloc(0) });
  const memFs = createFsFromVolume(memVol);
  memFs.writeFileSync(BIG_FILE, bigBytes);
  const mem = measureWrite(() => memFs, OFFSET, QUICK ? 5 : 15);
  mem.nsSteady = steadyWrite(() => memFs, OFFSET, QUICK ? 100 : 500);
  mem.keep.length = 0;
  memVol.reset();
  gc();

  table(
    ['implementation', 'time (isolated, median)', 'time (first, cold JIT)', 'time (isolated, max)', 'time (steady, median)', 'extra memory (median)', 'extra memory (max)'],
    [
      ['overlay', fmtNs(ov.nsMedian), fmtNs(cold.nsFirst), fmtNs(ov.nsMax), fmtNs(ov.nsSteady), fmtBytes(ov.extraBytesMedian), fmtBytes(ov.extraBytesMax)],
      ['memfs', fmtNs(mem.nsMedian), '-', fmtNs(mem.nsMax), fmtNs(mem.nsSteady), fmtBytes(mem.extraBytesMedian), fmtBytes(mem.extraBytesMax)],
    ],
  );
  console.log(
    '(wall clock. overlay: a fresh mount each time, so every write is a copy-up. isolated = gc right before, the figure the\n' +
      ' target uses; steady = back-to-back without gc; memory = heapUsed + arrayBuffers delta after gc, mount kept alive)',
  );
  const strip = ({ keep, ...rest }) => rest;
  return { offset: OFFSET, overlay: strip(ov), overlayCold: strip(cold), memfs: strip(mem) };
}

/** The summary's rows for section 3: the isolated median time and the largest extra memory. */
export function writeTargets(write256MiB, targets) {
  const { overlay: w, overlayCold } = write256MiB;
  targets.add('1-byte write into 256 MiB lower file: time', '< 1 ms', w.nsMedian / 1e6, w.nsMedian < 1e6, `${fmtNs(w.nsMedian)} (cold ${fmtNs(overlayCold.nsFirst)})`);
  targets.add('1-byte write into 256 MiB lower file: extra memory', '< 1 MiB', w.extraBytesMax / MiB, w.extraBytesMax < MiB, `${fmtBytes(w.extraBytesMax)} (max of runs)`);
}
