/**
 * The law that makes the build cache trustworthy (issue 12, "Cache soundness"): for random
 * Containerfiles, contexts and edits, a build that uses the cache gives exactly the image (same
 * digest) that `--no-cache` gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importImage } from '../../src/app/index.js';
import { build, memoryContext } from '../../src/build/index.js';
import { Layer } from '../../src/layer/index.js';
import { Store, memoryBackend } from '../../src/store/index.js';

const names = fc.constantFrom('a.txt', 'b.txt', 'src/c.js', 'src/d.js', 'docs/e.md');
const contexts = fc.dictionary(names, fc.constantFrom('1', '2', 'hello', ''), { minKeys: 1 });
const steps = fc.array(
  fc.oneof(
    fc.constantFrom('COPY . /app/', 'COPY src/ /app/src/', 'COPY *.txt /txt/', 'COPY --chmod=700 . /x/'),
    fc.constantFrom('RUN echo $V > /v', 'RUN mkdir -p /out && echo built > /out/f', 'RUN echo ${V:-none} >> /log'),
    fc.constantFrom('ENV V=1', 'ENV V=2', 'ARG V=3', 'WORKDIR /w', 'LABEL k=v', 'CMD ["run"]'),
  ),
  { minLength: 1, maxLength: 6 },
);
const edits = fc.record({ file: names, content: fc.constantFrom('1', '3', 'changed'), arg: fc.option(fc.constantFrom('7', '8'), { nil: undefined }) });

async function storeWithBase(): Promise<Store> {
  const store = await Store.openBackend(memoryBackend(), { clock: () => 0 });
  const layer = Layer.fromEntries([{ path: '/etc/passwd', type: 'file', content: 'root:x:0:0::/root:/bin/sh\n' }]);
  await importImage(store, { source: { layer }, history: { createdBy: 'base' }, name: 'base:1', created: new Date(0).toISOString() });
  return store;
}

describe('build cache soundness', () => {
  it('a cached build gives the image a --no-cache build gives', async () => {
    await fc.assert(
      fc.asyncProperty(contexts, steps, edits, async (files, body, edit) => {
        const dockerfile = `FROM base:1\n${body.join('\n')}\n`;
        const store = await storeWithBase();
        const hasSource = (step: string): boolean => !step.startsWith('COPY') || Object.keys(files).some((f) => (step.includes('src/') ? f.startsWith('src/') : step.includes('*.txt') ? f.endsWith('.txt') : true));
        fc.pre(body.every(hasSource) && (!body.some((s) => s.includes('src/')) || Object.keys({ ...files, [edit.file]: '' }).some((f) => f.startsWith('src/'))));
        const context = (f: Record<string, string>) => memoryContext({ ...f, Dockerfile: dockerfile });
        await build({ store, context: context(files) });
        const edited = { ...files, [edit.file]: edit.content };
        const args: Record<string, string> = edit.arg === undefined ? {} : { V: edit.arg };
        const cached = await build({ store, context: context(edited), buildArgs: args });
        const fresh = await build({ store: await storeWithBase(), context: context(edited), buildArgs: args, noCache: true });
        expect(cached.image.id).toBe(fresh.image.id);
      }),
      { numRuns: 50 },
    );
  }, 60_000);
});
