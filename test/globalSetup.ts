import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every scratch directory a test makes (mkdtemp under os.tmpdir(), in workers and in the CLI
 * processes they spawn) lands in one directory of this run, removed when the run ends: tests
 * that make disk stores need not each clean up, and a run no longer leaves thousands of
 * overlay-* directories in /tmp. Workers inherit TMPDIR because they start after this.
 */
export default function setup(): () => void {
  const base = mkdtempSync(join(tmpdir(), 'overlay-test-run-'));
  process.env['TMPDIR'] = base;
  return () => rmSync(base, { recursive: true, force: true });
}
