/**
 * `overlay demo`: a narrated, deterministic walk through layers, copy-up, whiteouts, opaque
 * directories, diff, commit, digests and shared layers, offline, in about a second. It plays
 * real `overlay` command lines (src/cli/demo/tour.ts) through the CLI's own entry point, on a
 * temporary store (or --store, or --keep), with a fixed clock: what it prints is what those
 * commands print.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_EPOCH, OS_TAR, demoOsTar, playBuildTour, playTour } from '../demo/index.js';
import { UsageError } from '../errors.js';
import type { CommandSpec } from './common.js';

/**
 * A new temporary directory. One the demo removes goes in memory (/dev/shm) when the system has
 * it: every command writes and fsyncs its files, and on a busy disk that was half the run.
 */
function scratchDir(prefix: string, kept: boolean): string {
  if (!kept && existsSync(SHM)) {
    try {
      return mkdtempSync(join(SHM, prefix));
    } catch {
      // Not writable here: the usual temporary directory will do.
    }
  }
  return mkdtempSync(join(tmpdir(), prefix));
}

const SHM = '/dev/shm';

export const demoCommand: CommandSpec = {
  command: 'demo [topic]',
  describe: 'A guided, offline, deterministic tour: layers, copy-up, whiteouts, opaque dirs, diff, commit, digests',
  builder: (y) =>
    y.positional('topic', { type: 'string', describe: 'build: the narrated rebuild after a one-line change, with a good and a bad instruction order' }).option('keep', { type: 'boolean', describe: 'keep the temporary store and print its path' }),
  async run(ctx) {
    const cli = ctx.cli;
    if (cli === undefined) throw new Error('overlay demo runs only through the CLI entry point (run)');
    const given = typeof ctx.args['store'] === 'string' && ctx.args['store'] !== '';
    const keep = ctx.flag('keep');
    const storeDir = given ? ctx.storeDir() : scratchDir('overlay-demo-', keep);
    const workDir = scratchDir('overlay-demo-files-', false);
    try {
      writeFileSync(join(workDir, OS_TAR), demoOsTar(DEMO_EPOCH * 1000));
      const topic = ctx.optStr('topic');
      if (topic !== undefined && topic !== 'build') throw new UsageError(`unknown demo ${JSON.stringify(topic)} (try: overlay demo, overlay demo build)`);
      if (topic === 'build') return void (await playBuildTour({ write: (text) => ctx.io.stdout.write(text), cli, storeDir, cwd: workDir }));
      const debug = ctx.io.env['OVERLAY_DEBUG'];
      await playTour({
        write: (text) => ctx.io.stdout.write(text),
        cli,
        storeDir,
        kept: given || keep,
        cwd: workDir,
        ...(debug === undefined ? {} : { debug }),
      });
    } finally {
      rmSync(workDir, { recursive: true, force: true });
      if (!given && !keep) rmSync(storeDir, { recursive: true, force: true });
    }
  },
};
