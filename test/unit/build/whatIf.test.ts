/**
 * `--what-if PATH...` (issue 12): which steps an edit to those context files would rebuild, with
 * what they hold, and a lint for broad context copied before a RUN; the store is not changed.
 */
import { describe, expect, it } from 'vitest';
import { memoryContext, whatIf } from '../../../src/build/index.js';
import { open, run, withBase } from './fixtures.js';

const GOOD = 'FROM base:1.0\nWORKDIR /app\nCOPY package.json ./\nRUN sleep 30 && echo deps > deps\nCOPY . .\nRUN echo built > out\n';
const BAD = 'FROM base:1.0\nWORKDIR /app\nCOPY . .\nRUN sleep 30 && echo deps > deps\nRUN echo built > out\n';
const files = (df: string) => ({ Dockerfile: df, 'package.json': '{}', 'src/app.js': 'console.log(1)' });

describe('--what-if', () => {
  it('names the steps an edit would rebuild and why, with their bytes and time, and changes nothing in the store', async () => {
    const store = await open();
    await withBase(store);
    await run(store, files(GOOD));
    const cacheBefore = JSON.stringify(await store.buildCache());
    const imagesBefore = store.images().length;
    const result = await whatIf({ store, context: memoryContext(files(GOOD)), whatIf: ['src/app.js'] });
    expect(result.steps.map((s) => [s.instruction, s.rebuild, s.reason])).toEqual([
      ['WORKDIR /app', false, 'stays cached'],
      ['COPY package.json ./', false, 'stays cached'],
      ['RUN sleep 30 && echo deps > deps', false, 'stays cached'],
      ['COPY . .', true, 'copies src/app.js'],
      ['RUN echo built > out', true, 'parent step would run again'],
    ]);
    expect(result.rebuilt.steps).toBe(2);
    expect(result.rebuilt.bytes).toBe(result.steps.filter((s) => s.rebuild).reduce((n, s) => n + s.bytes, 0));
    expect(result.rebuilt.bytes).toBeGreaterThan(0);
    expect(result.lint).toEqual([]);
    expect(JSON.stringify(await store.buildCache())).toBe(cacheBefore);
    expect(store.images()).toHaveLength(imagesBefore);

    const deps = await whatIf({ store, context: memoryContext(files(GOOD)), whatIf: ['package.json'] });
    expect(deps.rebuilt).toMatchObject({ steps: 4, simulatedMs: 30_000, durationMs: 30_000 });
  });

  it('the lint names a step that copies the whole context before a RUN, and the reordering', async () => {
    const store = await open();
    await withBase(store);
    await run(store, files(BAD));
    const result = await whatIf({ store, context: memoryContext(files(BAD)), whatIf: ['src/app.js'] });
    expect(result.steps.filter((s) => s.rebuild).map((s) => s.instruction)).toEqual(['COPY . .', 'RUN sleep 30 && echo deps > deps', 'RUN echo built > out']);
    expect(result.rebuilt.durationMs).toBe(30_000);
    expect(result.lint).toHaveLength(1);
    expect(result.lint[0]).toMatch(/^Dockerfile:3: COPY \. \. copies the whole context before RUN sleep 30 && echo deps > deps \(line 4\): any edit reruns that RUN; copy only what it needs first/);
  });
});
