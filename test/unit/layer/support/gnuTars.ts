import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real GNU tar output of one small tree (a path 40 directories deep, a 5,000-byte file, a
 * non-ASCII name, a symlink), in each of `formats`. ustar and v7 cannot hold the deep path, so
 * they archive the non-ASCII file alone.
 */
export function gnuTars(formats: readonly string[]): [format: string, tar: Uint8Array][] {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-gnutar-'));
  try {
    const src = join(dir, 'src');
    const deep = Array.from({ length: 40 }, () => 'dd').join('/');
    mkdirSync(join(src, deep), { recursive: true });
    writeFileSync(join(src, deep, 'f'), 'x'.repeat(5000));
    writeFileSync(join(src, 'ü-名前'), 'utf8');
    symlinkSync(deep, join(src, 'link'));
    return formats.map((format) => {
      const what = format === 'ustar' || format === 'v7' ? 'ü-名前' : '.';
      return [format, new Uint8Array(execFileSync('tar', [`--format=${format}`, '-cf', '-', '-C', src, what], { maxBuffer: 64 << 20 }))];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
