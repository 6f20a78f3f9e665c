import { describe, expect, it } from 'vitest';
import { build, memoryContext, BuildError } from '../../../src/build/index.js';
import { Layer } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';
import type { Store } from '../../../src/store/index.js';
import { createContainer } from '../../../src/app/index.js';
import { open, run, withBase } from './fixtures.js';

async function readImage(store: Store, ref: string, path: string): Promise<string> {
  const image = store.resolveImage(ref);
  const ov = new Overlay({ lowers: await store.layers(image) });
  return String(ov.fs.readFileSync(path, 'utf8'));
}

const APP = {
  Dockerfile: 'FROM base:1.0\nWORKDIR /app\nCOPY package.json ./\nRUN echo installed > deps\nCOPY src/ ./src/\nRUN echo built > out\nCMD ["node", "src/app.js"]\n',
  'package.json': '{}',
  'src/app.js': 'console.log(1)',
  'src/lib.js': 'x',
};

describe('build', () => {
  it('builds an image: layers, history, config, files', async () => {
    const store = await open();
    await withBase(store);
    const { image, summary, log } = await run(store, APP, { tags: ['app:1'] });
    expect(image.names).toEqual(['app:1']);
    expect(summary.steps).toBe(5);
    expect(summary.cached).toBe(0);
    expect(await readImage(store, 'app:1', '/app/src/app.js')).toBe('console.log(1)');
    expect(await readImage(store, 'app:1', '/app/deps')).toBe('installed\n');
    expect(image.config.config).toMatchObject({ WorkingDir: '/app', Cmd: ['node', 'src/app.js'] });
    const history = image.config.history!.map((h) => h.created_by);
    expect(history.slice(1)).toEqual(['WORKDIR /app', 'COPY package.json ./', 'RUN echo installed > deps', 'COPY src/ ./src/', 'RUN echo built > out', 'CMD ["node", "src/app.js"]']);
    expect(image.config.history!.at(-1)!.empty_layer).toBe(true);
    expect(log).toContain('#2 [1/6] FROM base:1.0');
    expect(log).toContain('Build steps: 0/5 cached (0%)');
  });

  it('rebuilds from the first changed step, and says why', async () => {
    const store = await open();
    await withBase(store);
    const first = await run(store, APP);
    const again = await run(store, APP);
    expect(again.image.id).toBe(first.image.id);
    expect(again.summary.cached).toBe(5);
    const changed = await run(store, { ...APP, 'src/app.js': 'console.log(2)' });
    expect(changed.steps.map((s) => s.status)).toEqual(['CACHED', 'CACHED', 'CACHED', 'DONE', 'DONE']);
    expect(changed.steps[3]!.reason).toBe('COPY src/ ./src/: src/app.js changed (content)');
    expect(changed.steps[4]!.reason).toBe('parent step missed');
    const noCache = await run(store, { ...APP, 'src/app.js': 'console.log(2)' }, { noCache: true });
    expect(noCache.image.id).toBe(changed.image.id);
    expect(noCache.steps[0]!.reason).toBe('--no-cache');
  });

  it('puts an ARG change on the first RUN', async () => {
    const store = await open();
    await withBase(store);
    const files = { Dockerfile: 'FROM base:1.0\nARG VERSION=1.0\nCOPY package.json /\nRUN echo $VERSION > /v\n', 'package.json': '{}' };
    await run(store, files);
    const next = await run(store, files, { buildArgs: { VERSION: '1.1' } });
    expect(next.steps.map((s) => s.status)).toEqual(['CACHED', 'DONE']);
    expect(next.steps[1]!.reason).toBe('RUN: ARG VERSION changed 1.0 -> 1.1');
    expect(await readImage(store, next.image.id, '/v')).toBe('1.1\n');
  });

  it('ignores .dockerignored files: they never bust the cache, and COPY of one fails as in Docker', async () => {
    const store = await open();
    await withBase(store);
    const files = { Dockerfile: 'FROM base:1.0\nCOPY . /src/\n', '.dockerignore': '*.log\n!keep.log\n', 'a.txt': 'a', 'x.log': '1', 'keep.log': 'k' };
    const first = await run(store, files);
    const second = await run(store, { ...files, 'x.log': '2' });
    expect(second.summary.cached).toBe(1);
    expect(second.image.id).toBe(first.image.id);
    expect(await readImage(store, first.image.id, '/src/keep.log')).toBe('k');
    await expect(run(store, { ...files, Dockerfile: 'FROM base:1.0\nCOPY x.log /\n' })).rejects.toThrow(
      /^Dockerfile:2:1: COPY failed: file not found in build context or excluded by \.dockerignore: "x\.log"$/,
    );
  });

  it('multi-stage: COPY --from copies files, and a rebuilt stage with the same files still hits', async () => {
    const store = await open();
    await withBase(store);
    const df = 'FROM base:1.0 AS builder\nCOPY src/ /src/\nRUN echo artifact > /out.bin\nFROM scratch\nCOPY --from=builder /out.bin /app/out.bin\n';
    const first = await run(store, { Dockerfile: df, 'src/a': '1' });
    expect(first.image.config.rootfs.diff_ids).toHaveLength(1);
    expect(await readImage(store, first.image.id, '/app/out.bin')).toBe('artifact\n');
    const second = await run(store, { Dockerfile: df, 'src/a': '2' });
    expect(second.steps.map((s) => s.status)).toEqual(['DONE', 'DONE', 'CACHED']);
    expect(second.image.id).toBe(first.image.id);
  });

  it('errors are one line with file:line:column', async () => {
    const store = await open();
    await withBase(store);
    await expect(run(store, { Dockerfile: 'FROM base:1.0\n  FOOBAR x\n' })).rejects.toThrow(/^Dockerfile:2:3: unknown instruction: FOOBAR$/);
    await expect(run(store, { Dockerfile: 'FROM base:1.0\nRUN false\n' })).rejects.toThrow(/^Dockerfile:2:1: RUN false: exit code 1$/);
    await expect(run(store, { Dockerfile: 'FROM nope:1\n' })).rejects.toBeInstanceOf(BuildError);
  });

  it('a syntax error in the Containerfile is one line with file:line:column, before any step runs', async () => {
    const store = await open();
    await withBase(store);
    const cases: [string, RegExp][] = [
      ['FROM base:1.0\nCOPY onlyone\n', /^Dockerfile:2:1: COPY needs at least one source and a destination$/],
      ['FROM base:1.0\nCOPY --bogus=1 a /\n', /^Dockerfile:2:6: COPY does not take the flag --bogus$/],
      ['RUN echo\n', /^Dockerfile:1:1: RUN before the first FROM/],
      ['FROM base:1.0\nSHELL sh -c\n', /^Dockerfile:2:1: SHELL requires a JSON array of strings/],
    ];
    for (const [text, expected] of cases) {
      const lines: string[] = [];
      await expect(build({ store, context: memoryContext({ Dockerfile: text, a: 'a' }), onProgress: (l) => lines.push(l) })).rejects.toThrow(expected);
      expect(lines).toEqual([]);
    }
  });

  it('reads Containerfile when the context has no Dockerfile; builds only the stages the target needs', async () => {
    const store = await open();
    await withBase(store);
    const df = 'FROM base:1.0 AS a\nRUN echo a > /a\nFROM base:1.0 AS broken\nRUN false\nFROM a\nRUN echo c > /c\n';
    const last = await run(store, { Containerfile: df });
    expect(last.steps.map((s) => `${s.stage} ${s.instruction}`)).toEqual(['a RUN echo a > /a', 'stage-2 RUN echo c > /c']);
    expect(await readImage(store, last.image.id, '/a')).toBe('a\n');
    const target = await run(store, { Containerfile: df }, { target: 'a' });
    expect(target.steps.map((s) => [s.instruction, s.status])).toEqual([['RUN echo a > /a', 'CACHED']]);
    await expect(run(store, { Containerfile: df }, { target: 'broken' })).rejects.toThrow(/^Containerfile:4:1: RUN false: exit code 1$/);
  });

  it('multi-stage: the result equals copying the same files by hand from the context', async () => {
    const store = await open();
    await withBase(store);
    const staged = await run(store, {
      Dockerfile: 'FROM base:1.0 AS builder\nRUN mkdir -p /out/lib && printf bin > /out/app && printf so > /out/lib/x.so && chmod 755 /out/app\nFROM scratch\nCOPY --from=builder /out/ /app/\n',
    });
    const byHand = await run(store, { Dockerfile: 'FROM scratch\nCOPY out/ /app/\n', 'out/app': 'bin', 'out/lib/x.so': 'so' }, {});
    const tree = async (id: string) => {
      const ov = new Overlay({ lowers: await store.layers(store.resolveImage(id)) });
      return ['/app', '/app/app', '/app/lib', '/app/lib/x.so'].map((p) => {
        const st = ov.fs.lstatSync(p);
        return [p, st.mode.toString(8), st.uid, st.gid, st.mtimeMs, st.isFile() ? String(ov.fs.readFileSync(p, 'utf8')) : ''];
      });
    };
    const hand = await tree(byHand.image.id);
    // The context's file modes are its own (memoryContext: 0644); the stage made /out/app 0755.
    hand[1]![1] = (0o100755).toString(8);
    expect(await tree(staged.image.id)).toEqual(hand);
  });

  it('--squash: the build\'s layers become one on top of the base, with the same files', async () => {
    const store = await open();
    await withBase(store);
    const files = { Dockerfile: 'FROM base:1.0\nRUN mkdir -p /d && echo 1 > /d/a\nRUN echo 2 > /d/b\nCOPY x /d/x\n', x: 'x' };
    const plain = await run(store, files);
    const squashed = await run(store, files, { squash: true });
    expect(plain.image.config.rootfs.diff_ids).toHaveLength(4);
    expect(squashed.image.config.rootfs.diff_ids).toHaveLength(2);
    expect(squashed.image.config.rootfs.diff_ids[0]).toBe(plain.image.config.rootfs.diff_ids[0]);
    for (const path of ['/d/a', '/d/b', '/d/x', '/etc/passwd']) expect(await readImage(store, squashed.image.id, path)).toBe(await readImage(store, plain.image.id, path));
    expect(squashed.image.config.history!.filter((h) => h.empty_layer !== true)).toHaveLength(2);
  });

  it('create refuses an image of more than 127 layers unless maxLayers lifts the limit', async () => {
    const store = await open();
    await withBase(store);
    const steps = Array.from({ length: 127 }, (_, i) => `RUN echo ${i} > /f${i}`).join('\n');
    const tall = await run(store, { Dockerfile: `FROM base:1.0\n${steps}\n` }, { tags: ['tall:1'] });
    expect(tall.image.config.rootfs.diff_ids).toHaveLength(128);
    await expect(createContainer(store, 'tall:1')).rejects.toThrow(/tall:1 has 128 layers, more than the 127 .*--squash.*flatten.*--max-layers/);
    await expect(createContainer(store, 'tall:1', { maxLayers: 128 })).resolves.toBeDefined();
  });

  it('ADD extracts a local tar; globs, --chown by name, --chmod and the escape directive work', async () => {
    const store = await open();
    await withBase(store);
    const tar = Layer.fromEntries([{ path: '/pkg/lib.txt', type: 'file', content: 'lib' }]).toTar();
    const context = memoryContext({
      Dockerfile: '# escape=`\nFROM base:1.0\nADD vendor.tar /opt/\nCOPY --chown=app:app --chmod=600 *.cfg `\n  /etc/app/\n',
      'vendor.tar': tar,
      'a.cfg': 'A',
      'b.cfg': 'B',
      'c.txt': 'C',
    });
    const { image } = await build({ store, context });
    const ov = new Overlay({ lowers: await store.layers(image) });
    expect(String(ov.fs.readFileSync('/opt/pkg/lib.txt', 'utf8'))).toBe('lib');
    expect(ov.fs.readdirSync('/etc/app')).toEqual(['a.cfg', 'b.cfg']);
    const st = ov.fs.statSync('/etc/app/a.cfg');
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1000, 1000, 0o600]);
    expect(image.config.history!.at(-1)!.created_by).toBe('COPY --chown=app:app --chmod=600 *.cfg   /etc/app/');
  });

  it("the reference's trailing-slash rules: several sources need a destination ending in /; a wildcard's one match goes to the name", async () => {
    const store = await open();
    await withBase(store);
    const files = { 'a.txt': 'A', 'b.txt': 'B', 'app-1.jar': 'J' };
    for (const [df, line] of [
      ['FROM base:1.0\nCOPY a.txt b.txt /nodir\n', 'COPY'],
      ['FROM base:1.0\nADD *.txt /nodir\n', 'ADD'],
    ] as const) {
      await expect(run(store, { Dockerfile: df, ...files })).rejects.toThrow(`Dockerfile:2:1: When using ${line} with more than one source file, the destination must be a directory and end with a /`);
    }
    const { image } = await run(store, { Dockerfile: 'FROM base:1.0\nCOPY *.jar /app.jar\nWORKDIR /w\nCOPY a.txt b.txt .\nCOPY a.txt /file\nCOPY b.txt /etc/\n', ...files });
    expect(await readImage(store, image.id, '/app.jar')).toBe('J');
    expect(await readImage(store, image.id, '/w/b.txt')).toBe('B');
    expect(await readImage(store, image.id, '/file')).toBe('A');
    expect(await readImage(store, image.id, '/etc/b.txt')).toBe('B');
  });

  it('the cache lives in the store: gc keeps its layers, df counts them, prune drops what no image uses', async () => {
    const store = await open();
    await withBase(store);
    const files = { Dockerfile: 'FROM base:1.0 AS builder\nRUN echo big > /tmp.bin\nRUN echo out > /out && echo more > /more\nFROM base:1.0\nCOPY --from=builder /out /out\n' };
    await run(store, files, { tags: ['app:1'] });
    const entries = Object.keys((await store.buildCache()).entries).length;
    expect(entries).toBe(3);
    expect((await store.gc()).blobs).toEqual([]);
    const usage = await store.diskUsage();
    expect(usage.buildCache.entries).toBe(3);
    expect(usage.buildCache.bytes).toBeGreaterThan(0);
    expect((await run(store, files)).summary.cached).toBe(3);
    const pruned = await store.prune();
    expect(pruned.buildCacheEntries).toBe(2);
    expect(pruned.blobs.length).toBe(2);
    const after = await run(store, files);
    expect(after.steps.map((s) => s.reason)).toEqual(['RUN: no cached RUN step after the previous step', 'parent step missed', undefined]);
  });
});

describe('compareBytes (the content key orders children by UTF-8 bytes)', () => {
  it('orders as the bytes do, surrogates included', async () => {
    const { compareBytes } = await import('../../../src/build/context.js');
    const fc = (await import('fast-check')).default;
    const bytes = (s: string): number[] => [...new TextEncoder().encode(s)];
    const byBytes = (a: string, b: string): number => {
      const x = bytes(a);
      const y = bytes(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    const name = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\uffff', '\ue000', '😀', '\ud7ff'), maxLength: 4 });
    fc.assert(fc.property(name, name, (a, b) => Math.sign(compareBytes(a, b)) === Math.sign(byBytes(a, b))));
  });
});
