/**
 * `overlay build` end to end: reproducible across stores and processes, history matching the
 * Containerfile, one-line errors, and a built image checked by
 * oci-image-tool and umoci (Debian packages; skipped without them, as in interop.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT, TEST_TIMEOUT, ensureBuilt, hasTool, overlayIn, sh, spawnOverlay, tempDir } from './helpers.js';
import { treeOf } from './tree.js';

const CONTAINERFILE = [
  'ARG BASE=base:1.0',
  'FROM ${BASE} AS builder',
  'COPY src/ /src/',
  'RUN mkdir -p /out && echo artifact > /out/app.bin',
  '',
  'FROM ${BASE}',
  '# the runtime stage',
  'WORKDIR /app',
  'ENV MODE=production',
  'COPY --from=builder /out/ ./',
  'COPY --chmod=755 run.sh ./',
  'LABEL org.example.role=demo',
  'CMD ["./run.sh"]',
  '',
].join('\n');

function project(): { dir: string; context: string } {
  const dir = tempDir('overlay-build-');
  mkdirSync(join(dir, 'rootfs/etc'), { recursive: true });
  writeFileSync(join(dir, 'rootfs/etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  const context = join(dir, 'ctx');
  mkdirSync(join(context, 'src'), { recursive: true });
  writeFileSync(join(context, 'Dockerfile'), CONTAINERFILE);
  writeFileSync(join(context, 'src/main.c'), 'int main(){}\n');
  writeFileSync(join(context, 'run.sh'), '#!/bin/sh\n');
  writeFileSync(join(context, '.dockerignore'), '*.tmp\n');
  writeFileSync(join(context, 'scratch.tmp'), 'ignored\n');
  return { dir, context };
}

beforeAll(ensureBuilt, HOOK_TIMEOUT);

describe('overlay build', { timeout: TEST_TIMEOUT }, () => {
  it('gives the same image digest in two stores and two processes, and history shows the lines', () => {
    // One base tar for both (an imported directory keeps its files' mtimes); two contexts
    // written at different times (a build does not depend on mtimes).
    const shared = project();
    sh('tar -cf base.tar -C rootfs .', shared.dir);
    const ids = [0, 1].map(() => {
      const { dir } = project();
      const o = overlayIn(dir);
      o.ok(['import', join(shared.dir, 'base.tar'), 'base:1.0']);
      return o.ok(['build', '-t', 'app:1', 'ctx']).trim();
    });
    expect(ids[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ids[1]).toBe(ids[0]);
    const { dir } = project();
    const o = overlayIn(dir);
    o.ok(['import', join(shared.dir, 'base.tar'), 'base:1.0']);
    o.ok(['build', '-t', 'app:1', 'ctx']);
    const history = o.json<{ createdBy: string }[]>(['history', '--json', 'app:1']).map((h) => h.createdBy);
    expect(history.slice(0, 6)).toEqual(['CMD ["./run.sh"]', 'LABEL org.example.role=demo', 'COPY --chmod=755 run.sh ./', 'COPY --from=builder /out/ ./', 'ENV MODE=production', 'WORKDIR /app']);
    // A rebuild after editing an ignored file hits every step; an edit to src/ reruns the builder only.
    writeFileSync(join(dir, 'ctx/scratch.tmp'), 'changed\n');
    const again = o(['build', 'ctx']);
    expect(again.stderr).toContain('Build steps: 5/5 cached (100%)');
    writeFileSync(join(dir, 'ctx/src/main.c'), 'int main(){return 0;}\n');
    const edited = o(['build', 'ctx']);
    expect(edited.stderr).toContain('CACHE MISS: COPY src/ /src/: src/main.c changed (content)');
    expect(edited.stderr).toContain('Build steps: 3/5 cached (60%)');
    expect(edited.stdout.trim()).toBe(ids[0]);
  });

  it('two builds at once, in two processes, both end fully cached; a rebuild reports the time the cached steps took', async () => {
    const { dir, context } = project();
    const o = overlayIn(dir);
    o.ok(['import', 'rootfs', 'base:1.0']);
    writeFileSync(join(context, 'Other'), 'FROM base:1.0\nCOPY run.sh /other/\nRUN echo other > /other/x\n');
    const builds = [['ctx'], ['-f', 'ctx/Other', 'ctx']];
    type Summary = { steps: number; cached: number; timeSavedMs: number; timeSpentMs: number };
    const first = await Promise.all(
      builds.map(
        (args) =>
          new Promise<Summary>((resolve, reject) => {
            const child = spawnOverlay(o, ['build', '--json', ...args]);
            let out = '';
            let err = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.stderr.on('data', (d: Buffer) => (err += d.toString()));
            child.on('close', (code) => (code === 0 ? resolve((JSON.parse(out) as { summary: Summary }).summary) : reject(new Error(`exit ${code}: ${err}`))));
          }),
      ),
    );
    expect(first.map((s) => s.cached)).toEqual([0, 0]);
    for (const [i, args] of builds.entries()) {
      const again = o.json<{ summary: Summary }>(['build', ...args]).summary;
      expect(again.cached).toBe(again.steps);
      // Measured (no command declares a time): storing each layer takes a few milliseconds at least.
      expect(again.timeSavedMs).toBe(first[i]!.timeSpentMs);
      expect(again.timeSavedMs).toBeGreaterThan(0);
    }
  });

  it('fails with one line naming file:line:column', () => {
    const { dir } = project();
    const o = overlayIn(dir);
    o.ok(['import', 'rootfs', 'base:1.0']);
    const cases: [string, RegExp][] = [
      ['FROM base:1.0\nFOO bar\n', /^overlay: build: bad:2:1: unknown instruction: FOO\n$/],
      ['FROM base:1.0\nCOPY onlyone\n', /^overlay: build: bad:2:1: COPY needs at least one source and a destination\n$/],
      ['FROM base:1.0\nCOPY missing.txt /\n', /^overlay: build: bad:2:1: COPY failed: file not found in build context or excluded by \.dockerignore: "missing\.txt"\n$/],
      ['FROM base:1.0\nCOPY scratch.tmp /\n', /excluded by \.dockerignore: "scratch\.tmp"\n$/],
      ['FROM base:1.0\nRUN echo failing && false\n', /^overlay: build: bad:2:1: RUN echo failing && false: exit code 1: failing\n$/],
    ];
    for (const [text, expected] of cases) {
      writeFileSync(join(dir, 'bad'), text);
      const r = o(['build', '-f', 'bad', 'ctx']);
      expect(r.code).toBe(1);
      const last = r.stderr.split('\n').filter((l) => l.startsWith('overlay:'));
      expect(last).toHaveLength(1);
      expect(`${last[0]}\n`).toMatch(expected);
    }
  });
});

describe('overlay demo build', { timeout: TEST_TIMEOUT }, () => {
  it('plays the good and the bad order, the same on every run, and shows what each edit rebuilt', () => {
    const o = overlayIn(tempDir('overlay-demo-build-'));
    const first = o.ok(['demo', 'build']);
    expect(o.ok(['demo', 'build'])).toBe(first);
    expect(first).toContain('Would rebuild 2/5 steps');
    expect(first).toContain('Would rebuild 3/4 steps');
    expect(first.match(/CACHE MISS: COPY \. \.: src\/app\.js changed \(content\)/g)).toHaveLength(2);
    expect(first).toMatch(/Build steps: 3\/5 cached \(60%\)[\s\S]*Build steps: 1\/4 cached \(25%\)\s*$/m);
  });
});

describe.skipIf(!hasTool('oci-image-tool') || !hasTool('umoci'))('a built image and the OCI tools', { timeout: TEST_TIMEOUT }, () => {
  it('validates with oci-image-tool, and umoci unpacks the tree our export gives', () => {
    const { dir } = project();
    const o = overlayIn(dir);
    o.ok(['import', 'rootfs', 'base:1.0']);
    o.ok(['build', '-t', 'app:1', 'ctx']);
    const first = spawnSync('oci-image-tool', ['validate', '--type', 'imageLayout', o.store], { encoding: 'utf8' });
    const validated = first.status === 0 ? first.stdout + first.stderr : execFileSync('oci-image-tool', ['validate', '--type', 'image', o.store], { encoding: 'utf8' });
    expect(validated).toMatch(/Validation succeeded/);
    const bundle = join(tempDir('overlay-umoci-'), 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${o.store}:app:1`, bundle], { stdio: 'ignore' });
    const exportDir = tempDir('overlay-export-');
    o.ok(['export', 'app:1', '-o', join(exportDir, 'x.tar')]);
    sh('mkdir tree && tar -xf x.tar -C tree', exportDir);
    expect(treeOf(join(exportDir, 'tree'))).toEqual(treeOf(join(bundle, 'rootfs')));
    expect(readFileSync(join(bundle, 'rootfs/app/app.bin'), 'utf8')).toBe('artifact\n');
  });
});
