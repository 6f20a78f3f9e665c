/**
 * "Time saved" (issue 12, "The summary"): what the cached steps took when they ran, recorded in
 * their cache entries: a command's declared simulated time, else the time measured running the
 * step. It is kept out of every key and digest, so builds stay reproducible.
 */
import { describe, expect, it } from 'vitest';
import { memoryContext, whatIf, type BuildOptions } from '../../../src/build/index.js';
import { open, run, withBase } from './fixtures.js';

/** A clock that moves only when a `work MS` command runs: measured step times are exact. */
function workingClock(): { now: () => number; commands: BuildOptions['commands'] } {
  let ms = 0;
  return {
    now: () => ms,
    commands: {
      work: (ctx) => {
        ms += Number(ctx.args[0]);
        return 0;
      },
    },
  };
}

const FILES = { Dockerfile: 'FROM base:1.0\nCOPY a.txt /a.txt\nRUN work 1500 && echo one > /one\nRUN work 250 && sleep 3\nRUN echo quick > /q\n', 'a.txt': 'a' };

describe('time saved by the cache', () => {
  it('a hit saves what the step took when it ran: measured without a declared time, the simulated time when a command declares one', async () => {
    const store = await open();
    await withBase(store);
    const clock = workingClock();
    const first = await run(store, FILES, clock);
    expect(first.steps.map((s) => [s.status, s.durationMs])).toEqual([
      ['DONE', 0],
      ['DONE', 1500],
      ['DONE', 3000],
      ['DONE', 0],
    ]);
    expect(first.summary).toMatchObject({ timeSavedMs: 0, timeSpentMs: 4500, simulatedMsSpent: 3000 });
    expect(first.log).toContain('Time saved by the cache: 0.0s (spent: 4.5s)');

    // Another clock, which does not move: the keys do not depend on durations, so every step hits.
    const again = await run(store, FILES, { now: () => 7, commands: clock.commands });
    expect(again.steps.map((s) => [s.status, s.durationMs])).toEqual([
      ['CACHED', 0],
      ['CACHED', 1500],
      ['CACHED', 3000],
      ['CACHED', 0],
    ]);
    expect(again.summary).toMatchObject({ cached: 4, timeSavedMs: 4500, timeSpentMs: 0 });
    expect(again.log).toContain('Time saved by the cache: 4.5s (spent: 0.0s)');
    expect(again.image.id).toBe(first.image.id);
  });

  it('durations enter no key and no digest: builds that took different times give the same cache keys and image', async () => {
    const built = [];
    for (const step of [1, 900]) {
      const store = await open();
      await withBase(store);
      let ms = 0;
      const result = await run(store, FILES, { now: () => (ms += step), commands: { work: () => 0 } });
      built.push({ id: result.image.id, keys: Object.keys((await store.buildCache()).entries).sort(), durations: result.steps.map((s) => s.durationMs) });
    }
    expect(built[1]!.durations).not.toEqual(built[0]!.durations);
    expect(built[1]!.id).toBe(built[0]!.id);
    expect(built[1]!.keys).toEqual(built[0]!.keys);
  });

  it('a what-if run counts the time the steps it would rebuild took', async () => {
    const store = await open();
    await withBase(store);
    const clock = workingClock();
    await run(store, FILES, clock);
    const result = await whatIf({ store, context: memoryContext(FILES), whatIf: ['a.txt'], commands: clock.commands });
    expect(result.rebuilt).toMatchObject({ steps: 4, durationMs: 4500, simulatedMs: 3000 });
  });
});
