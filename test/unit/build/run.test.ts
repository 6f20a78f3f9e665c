/**
 * RUN through the real shell (src/shell): the issue's built-in commands in build steps, its
 * errors as one line, and file times that depend on SOURCE_DATE_EPOCH only (issue 12,
 * "RUN without a container runtime" and "Reproducible builds").
 */
import { describe, expect, it } from 'vitest';
import { analyzeLayers } from '../../../src/analysis/index.js';
import { build, memoryContext, type BuildOptions } from '../../../src/build/index.js';
import type { Overlay } from '../../../src/overlay/index.js';
import { open, run, view, withBase } from './fixtures.js';

const text = (ov: Overlay, path: string): string => String(ov.fs.readFileSync(path, 'utf8'));

describe('RUN in the built-in shell', () => {
  it('runs the built-in commands of teaching examples: mkdir -p, echo >, cp -r, mv, ln -s, sed -i, tar, chmod, chown, test, head', async () => {
    const store = await open();
    await withBase(store);
    const df = [
      'FROM base:1.0',
      'RUN mkdir -p /app/conf && echo hi > /app/x && printf "a=1\\nb=2\\n" > /app/conf/settings && cp -r /app /copy',
      'RUN sed -i s/a=1/a=9/ /copy/conf/settings && mv /copy/x /copy/y && ln -s /copy/y /link',
      'RUN cd /copy && tar -cf /t.tar conf && mkdir /out && tar -xf /t.tar -C /out && rm -rf /copy/conf',
      'RUN touch /app/empty && chmod 700 /app/empty && chown 1000:1000 /app/empty && test -f /app/empty && [ -d /out/conf ] && head -n 1 /out/conf/settings > /first',
      'RUN true || false; false || echo recovered > /r',
    ].join('\n');
    const { image } = await run(store, { Dockerfile: df }, { tags: ['t:1'] });
    const ov = await view(store, 't:1');
    expect(text(ov, '/app/x')).toBe('hi\n');
    expect(text(ov, '/copy/y')).toBe('hi\n');
    expect(ov.fs.existsSync('/copy/x')).toBe(false);
    expect(ov.fs.readlinkSync('/link')).toBe('/copy/y');
    expect(ov.fs.existsSync('/copy/conf')).toBe(false);
    expect(text(ov, '/out/conf/settings')).toBe('a=9\nb=2\n');
    expect(text(ov, '/first')).toBe('a=9\n');
    expect(text(ov, '/r')).toBe('recovered\n');
    const st = ov.fs.statSync('/app/empty');
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o700, 1000, 1000]);
    expect(image.config.rootfs.diff_ids).toHaveLength(6);
  });

  it('sees ENV and ARG values, the WORKDIR and the USER', async () => {
    const store = await open();
    await withBase(store);
    const df = 'FROM base:1.0\nARG NAME=world\nENV GREETING=hello\nWORKDIR /w\nUSER app\nRUN echo "$GREETING ${NAME}" > out && id -u >> out && pwd >> out\n';
    const { image } = await run(store, { Dockerfile: df }, { buildArgs: { NAME: 'there' } });
    const ov = await view(store, image.id);
    expect(text(ov, '/w/out')).toBe('hello there\n1000\n/w\n');
    expect(ov.fs.statSync('/w/out').uid).toBe(1000);
    // Every step has a history entry, ARG included (empty_layer, as BuildKit's dispatchArg commits one).
    expect(image.config.history!.slice(1).map((h) => [h.created_by, h.empty_layer ?? false])).toEqual([
      ['ARG NAME=world', true],
      ['ENV GREETING=hello', true],
      ['WORKDIR /w', false],
      ['USER app', true],
      ['RUN echo "$GREETING ${NAME}" > out && id -u >> out && pwd >> out', false],
    ]);
  });

  it('a failing RUN is one line naming the step, the command and its output; the log holds the whole output', async () => {
    const store = await open();
    await withBase(store);
    const failing = run(store, { Dockerfile: 'FROM base:1.0\nRUN echo starting && cat /missing\n' });
    await expect(failing).rejects.toThrow(/^Dockerfile:2:1: RUN echo starting && cat \/missing: exit code 1: starting \| cat: \/missing: No such file or directory$/);
    const lines: string[] = [];
    await build({ store, context: memoryContext({ Dockerfile: 'FROM base:1.0\nRUN echo starting && cat /missing\n' }), onProgress: (l) => lines.push(l), now: () => 0 }).catch(() => {});
    expect(lines).toContain('#3 0.000 starting');
    expect(lines.filter((l) => l.startsWith('#3 ERROR: '))).toHaveLength(1);
  });

  it('a RUN whose script does not parse fails as /bin/sh -c does (exit code 2), in one line with the Containerfile position', async () => {
    const store = await open();
    await withBase(store);
    await expect(run(store, { Dockerfile: 'FROM base:1.0\nRUN echo "unterminated\n' })).rejects.toThrow(
      /^Dockerfile:2:1: RUN echo "unterminated: exit code 2: sh: Syntax error: Unterminated quoted string \(line 1, column 6\)$/,
    );
    await expect(run(store, { Dockerfile: 'FROM base:1.0\nRUN if true\n' })).rejects.toThrow(/^Dockerfile:2:1: RUN if true: exit code 2: sh: Syntax error: end of file unexpected \(expecting "then"\)/);
  });

  it('a failed build keeps the steps that ran before the failing one in the cache, as Docker does', async () => {
    const store = await open();
    await withBase(store);
    await expect(run(store, { Dockerfile: 'FROM base:1.0\nRUN echo one > /one\nRUN sleep 5 && echo two > /two\nRUN false\n' })).rejects.toThrow(/RUN false: exit code 1/);
    const fixed = await run(store, { Dockerfile: 'FROM base:1.0\nRUN echo one > /one\nRUN sleep 5 && echo two > /two\nRUN true\n' });
    expect(fixed.steps.map((s) => s.status)).toEqual(['CACHED', 'CACHED', 'DONE']);
    expect(fixed.summary.timeSavedMs).toBe(5000);
    expect(text(await view(store, fixed.image.id), '/two')).toBe('two\n');
    // Their layers are held by the cache alone until an image uses them: gc keeps them.
    await store.gc();
    const again = await run(store, { Dockerfile: 'FROM base:1.0\nRUN echo one > /one\nRUN sleep 5 && echo two > /two\nRUN true\n' });
    expect(again.summary.cached).toBe(3);
  });

  it('an unknown command fails the build with a clear one-line error (exit code 127, "not found")', async () => {
    const store = await open();
    await withBase(store);
    await expect(run(store, { Dockerfile: 'FROM base:1.0\nRUN apt-get install -y python3\n' })).rejects.toThrow(
      /^Dockerfile:2:1: RUN apt-get install -y python3: exit code 127: sh: apt-get: not found$/,
    );
  });

  it("a library user's command gets the mount's fs, its arguments and env, and its simulated time is what a hit saves", async () => {
    const store = await open();
    await withBase(store);
    const commands: BuildOptions['commands'] = {
      'apt-get': (ctx) => {
        for (const name of ctx.args.slice(1).filter((a) => !a.startsWith('-'))) ctx.fs.writeFileSync(`/usr/bin/${name}`, ctx.env['MIRROR'] ?? '');
        return { exitCode: 0, simulatedMs: 4000 };
      },
    };
    const files = { Dockerfile: 'FROM base:1.0\nENV MIRROR=deb.example\nRUN mkdir -p /usr/bin && apt-get install -y python3\n' };
    const first = await run(store, files, { commands });
    expect(text(await view(store, first.image.id), '/usr/bin/python3')).toBe('deb.example');
    expect(first.summary.simulatedMsSpent).toBe(4000);
    const again = await run(store, files, { commands });
    expect(again.summary.simulatedMsSaved).toBe(4000);
    expect(again.summary.timeSavedMs).toBe(4000);
    expect(again.log).toContain('Time saved by the cache: 4.0s');
  });

  it('files RUN creates or touches get the build time (SOURCE_DATE_EPOCH), so two builds give one digest', async () => {
    const df = 'FROM base:1.0\nRUN touch /stamp && mkdir -p /d && echo x > /d/f && cp /d/f /d/g && tar -cf /d.tar /d\n';
    const digests: string[] = [];
    for (const epoch of [1_700_000_000, 1_700_000_000]) {
      const store = await open();
      await withBase(store);
      const { image } = await run(store, { Dockerfile: df }, { sourceDateEpoch: epoch });
      digests.push(image.config.rootfs.diff_ids.at(-1)!);
      const ov = await view(store, image.id);
      for (const path of ['/stamp', '/d', '/d/f', '/d/g', '/d.tar']) expect(ov.fs.lstatSync(path).mtimeMs, path).toBe(epoch * 1000);
    }
    expect(digests[1]).toBe(digests[0]);
  });

  it("the summary's wasted bytes and efficiency are the layer analysis's corrected figures", async () => {
    const store = await open();
    await withBase(store);
    const df = 'FROM base:1.0\nRUN mkdir /cache && printf 0123456789 > /cache/a && echo keep > /k\nRUN rm -rf /cache && echo changed > /k\n';
    const { image, summary } = await run(store, { Dockerfile: df });
    const analysis = analyzeLayers({ layers: await store.layers(image), config: image.config });
    expect(summary.wastedBytes).toBe(10 + 5);
    expect(summary).toMatchObject({ wastedBytes: analysis.corrected.wastedBytes, efficiency: analysis.corrected.efficiency, imageBytes: analysis.totalBytes });
  });
});

describe("the public API's build (src/index.ts)", () => {
  it('builds in memory with no Node and no base image: a store from memoryBackend, a context from memoryContext', async () => {
    const api = await import('../../../src/index.js');
    const store = await api.Store.openBackend(api.memoryBackend(), { platform: { os: 'linux', architecture: 'amd64' } });
    const context = api.memoryContext({ Dockerfile: 'FROM scratch\nCOPY hello.txt /srv/\nRUN cat /srv/hello.txt > /srv/copy\n', 'hello.txt': 'hi' });
    const { image, summary } = await api.build({ store, context, tags: ['hello:1'] });
    expect(summary.steps).toBe(2);
    const ov = new api.Overlay({ lowers: await store.layers(image) });
    expect(String(ov.fs.readFileSync('/srv/copy', 'utf8'))).toBe('hi');
  });
});
