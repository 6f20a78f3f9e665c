/**
 * `overlay build`'s command line (issue 12, "Options"), in process: -f, -t (repeated), --target,
 * --build-arg K=V and K (from the environment), --no-cache, --squash, --progress plain and
 * --what-if (repeated), and Docker's default file names in the context.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/run.js';
import { Layer } from '../../../src/layer/index.js';
import { captureIo } from './helpers.js';

const DF = ['ARG WHO=nobody', 'FROM base:1 AS first', 'ARG WHO', 'ARG FROM_ENV', 'RUN echo "$WHO $FROM_ENV" > /who', 'FROM first', 'COPY a.txt /a.txt', 'RUN sleep 2 && echo b > /b', ''].join('\n');

function project(): { dir: string; env: Record<string, string>; cli: (args: string[], extra?: Record<string, string>) => Promise<{ code: number; out: string; err: string }> } {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-cli-build-'));
  mkdirSync(join(dir, 'ctx'));
  writeFileSync(join(dir, 'ctx/Containerfile'), DF);
  writeFileSync(join(dir, 'ctx/a.txt'), 'a');
  const env = { OVERLAY_STORE: join(dir, 'store'), SOURCE_DATE_EPOCH: '1700000000', OVERLAY_PLATFORM: 'linux/amd64' };
  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const c = captureIo({ ...env, ...extra }, new Uint8Array(), dir);
    const code = await run(args, c.io);
    return { code, out: c.stdout(), err: c.stderr() };
  };
  return { dir, env, cli };
}

describe('overlay build (command line)', () => {
  it('takes -t (repeated), --build-arg K=V and K, --target, --no-cache, --squash and --progress plain', async () => {
    const { dir, cli } = project();
    writeFileSync(join(dir, 'base.tar'), Layer.fromEntries([{ path: '/etc/passwd', type: 'file', content: 'root:x:0:0::/root:/bin/sh\n' }]).toTar());
    expect((await cli(['import', 'base.tar', 'base:1'])).code).toBe(0);

    const first = await cli(['build', '-t', 'app:1', '-t', 'app:latest', '--build-arg', 'WHO=me', '--build-arg', 'FROM_ENV', '--progress', 'plain', '--json', 'ctx'], { FROM_ENV: 'env-value' });
    expect(first.code).toBe(0);
    const built = JSON.parse(first.out) as { id: string; names: string[]; summary: { steps: number; cached: number; timeSpentMs: number } };
    expect(built.names.sort()).toEqual(['app:1', 'app:latest']);
    expect(built.summary).toMatchObject({ steps: 3, cached: 0 });
    expect(first.err).toMatch(/^#1 \[internal\] load build definition from Containerfile$/m);
    expect((await cli(['cat', 'app:1', '/who'])).out).toBe('me env-value\n');

    const target = await cli(['build', '--target', 'first', '--build-arg', 'WHO=me', '--build-arg', 'FROM_ENV=env-value', '-t', 'first:1', 'ctx']);
    expect(target.err).toContain('Build steps: 1/1 cached (100%)');
    expect((await cli(['cat', 'first:1', '/who'])).out).toBe('me env-value\n');

    const again = await cli(['build', '--build-arg', 'WHO=me', '--build-arg', 'FROM_ENV=env-value', 'ctx']);
    expect(again.out.trim()).toBe(built.id);
    expect(again.err).toContain('Build steps: 3/3 cached (100%)');
    expect(again.err).toMatch(/^Time saved by the cache: 2\.\ds \(spent: 0\.0s\)$/m);

    const noCache = await cli(['build', '--no-cache', '--build-arg', 'WHO=me', '--build-arg', 'FROM_ENV=env-value', 'ctx']);
    expect(noCache.err).toContain('CACHE MISS: --no-cache');
    expect(noCache.out.trim()).toBe(built.id);

    const squashed = await cli(['build', '--squash', '-t', 'flat:1', '--build-arg', 'WHO=me', '--build-arg', 'FROM_ENV=env-value', '--json', 'ctx']);
    const flat = JSON.parse(squashed.out) as { id: string };
    const inspected = JSON.parse((await cli(['inspect', flat.id, '--json'])).out) as { RootFS: { Layers: string[] } }[];
    const diffIds = inspected[0]!.RootFS.Layers;
    // The final stage's own two layers (COPY, RUN) joined into one on top of its base, the
    // stage `first` (the base image's layer and first's RUN), as Docker squashes onto the FROM image.
    expect(diffIds).toHaveLength(3);
    const unsquashed = JSON.parse((await cli(['inspect', built.id, '--json'])).out) as { RootFS: { Layers: string[] } }[];
    expect(unsquashed[0]!.RootFS.Layers).toHaveLength(4);
    expect(diffIds.slice(0, 2)).toEqual(unsquashed[0]!.RootFS.Layers.slice(0, 2));
  });

  it('--what-if (repeated) prints the plan and changes nothing; -f names the file', async () => {
    const { dir, cli } = project();
    writeFileSync(join(dir, 'base.tar'), Layer.fromEntries([{ path: '/etc/passwd', type: 'file', content: 'root:x:0:0::/root:/bin/sh\n' }]).toTar());
    await cli(['import', 'base.tar', 'base:1']);
    writeFileSync(join(dir, 'Other'), 'FROM base:1\nCOPY a.txt /a\nRUN sleep 3\n');
    expect((await cli(['build', '-f', 'Other', 'ctx'])).code).toBe(0);
    const plan = await cli(['build', '-f', 'Other', '--what-if', 'a.txt', '--what-if', 'nothing.txt', 'ctx']);
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/^REBUILD {2}Other:2 {2}COPY a\.txt \/a {2}\(copies a\.txt; /m);
    expect(plan.out).toContain('Would rebuild 2/2 steps');
    expect(plan.out).toMatch(/, 3\.\ds of build time$/m);
    const images = await cli(['images', '--json']);
    expect((JSON.parse(images.out) as unknown[]).length).toBe(2);
  });
});
