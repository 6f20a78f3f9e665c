// Section 4: building a layer tar and its digest (layer.diffId, and sha256Digest over
// layer.tarChunks()) against Node's native SHA-256 over the same bytes.

import { createHash, randomFillSync } from 'node:crypto';

import { MiB, QUICK } from '../lib/config.mjs';
import { Layer, sha256Digest } from '../lib/package.mjs';
import { fmtBytes, fmtX, section, table } from '../lib/report.mjs';
import { cpuNs, median, rng, sink } from '../lib/timing.mjs';

/** ~64 MiB in mixed sizes: many small files, some medium, a few big; dirs, symlinks, a whiteout. */
function tarLayerEntries() {
  const rand = rng(0x7a5);
  const data = new Uint8Array(66 * MiB);
  randomFillSync(data);
  let pos = 0;
  const take = (n) => {
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const entries = [];
  for (let d = 0; d < 60; d++) entries.push({ path: `/app/pkg${d % 12}/mod${d}`, type: 'dir', mode: 0o755, mtime: 1_700_000_000_000 });
  for (let i = 0; i < 3000; i++) {
    entries.push({ path: `/app/pkg${i % 12}/mod${i % 60}/f${i}.js`, type: 'file', content: take(Math.floor(rand() * 8192)), mtime: 1_700_000_000_000 });
  }
  for (let i = 0; i < 100; i++) {
    entries.push({ path: `/usr/lib/medium${i}.so`, type: 'file', content: take(64 * 1024 + Math.floor(rand() * 448 * 1024)), mode: 0o755 });
  }
  for (let i = 0; i < 3; i++) entries.push({ path: `/opt/big${i}.bin`, type: 'file', content: take(8 * MiB) });
  for (let i = 0; i < 20; i++) entries.push({ path: `/usr/lib/link${i}.so`, type: 'symlink', target: `medium${i}.so` });
  entries.push({ path: '/etc/removed', type: 'whiteout' });
  return entries;
}

export function runTar() {
  section('4. layer tar + digest vs native SHA-256');
  const TAR_ROUNDS = QUICK ? 3 : 9;
  // Fresh layers (diffId caches): the same nodes, so only the tar + digest work is timed.
  const proto = Layer.fromEntries(tarLayerEntries());
  const freshLayers = Array.from({ length: TAR_ROUNDS + 1 }, () => proto.withHistory({}));
  const chunkLayers = Array.from({ length: TAR_ROUNDS + 1 }, () => proto.withHistory({}));
  const t0 = performance.now();
  const tarBytes = proto.toTar();
  const toTarMs = performance.now() - t0;
  const nativeDigest = `sha256:${createHash('sha256').update(tarBytes).digest('hex')}`;
  console.log(`(CPU time; median and best of ${TAR_ROUNDS} interleaved rounds)`);
  console.log(`layer: ${proto.entryCount} nodes, ${fmtBytes(proto.size)} of file data, tar ${fmtBytes(tarBytes.length)}; toTar() ${toTarMs.toFixed(0)} ms`);

  const cpu = { native: [], diffId: [], chunks: [] };
  const wall = { native: [], diffId: [], chunks: [] };
  const timed = (key, fn) => {
    const c = cpuNs();
    const w = performance.now();
    const out = fn();
    wall[key].push(performance.now() - w);
    cpu[key].push((cpuNs() - c) / 1e6);
    return out;
  };
  // Warm-up, then interleaved rounds.
  sink.total += freshLayers[TAR_ROUNDS].diffId.length + sha256Digest(chunkLayers[TAR_ROUNDS].tarChunks()).length;
  createHash('sha256').update(tarBytes).digest();
  for (let r = 0; r < TAR_ROUNDS; r++) {
    const native = timed('native', () => createHash('sha256').update(tarBytes).digest('hex'));
    const ours = timed('diffId', () => freshLayers[r].diffId);
    const viaChunks = timed('chunks', () => sha256Digest(chunkLayers[r].tarChunks()));
    if (ours !== `sha256:${native}` || viaChunks !== nativeDigest) throw new Error(`digest mismatch: ${ours} / ${viaChunks} vs sha256:${native}`);
  }
  const tar = {
    tarBytes: tarBytes.length,
    toTarMs,
    nativeMs: median(cpu.native),
    diffIdMs: median(cpu.diffId),
    chunksMs: median(cpu.chunks),
    nativeBestMs: Math.min(...cpu.native),
    diffIdBestMs: Math.min(...cpu.diffId),
    chunksBestMs: Math.min(...cpu.chunks),
    wallMs: { native: median(wall.native), diffId: median(wall.diffId), chunks: median(wall.chunks) },
  };
  tar.ratio = tar.nativeMs / tar.diffIdMs;
  const mbps = (ms) => `${(tar.tarBytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
  table(
    ['what', 'time (median)', 'throughput', 'native/this', 'time (best)', 'native/this (best)'],
    [
      ['native createHash over toTar() bytes', `${tar.nativeMs.toFixed(1)} ms`, mbps(tar.nativeMs), '1.000x', `${tar.nativeBestMs.toFixed(1)} ms`, '1.000x'],
      ['layer.diffId (tar writer + hasher)', `${tar.diffIdMs.toFixed(1)} ms`, mbps(tar.diffIdMs), fmtX(tar.ratio), `${tar.diffIdBestMs.toFixed(1)} ms`, fmtX(tar.nativeBestMs / tar.diffIdBestMs)],
      ['sha256Digest(layer.tarChunks())', `${tar.chunksMs.toFixed(1)} ms`, mbps(tar.chunksMs), fmtX(tar.nativeMs / tar.chunksMs), `${tar.chunksBestMs.toFixed(1)} ms`, fmtX(tar.nativeBestMs / tar.chunksBestMs)],
    ],
  );
  return tar;
}

/** The summary's row for section 4: native time over diffId time, medians. */
export function tarTargets(tar, targets) {
  targets.add('tar + digest (diffId) vs native SHA-256', '>= 0.7x', tar.ratio, tar.ratio >= 0.7, fmtX(tar.ratio));
}
