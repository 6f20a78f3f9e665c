/**
 * Two builds sharing one store at once (issue 12, "Storage": the cache lives in the store).
 * Each build reads the cache at its start; were its entries written back as read then, the
 * build that finishes last would drop the other's. They are merged into the document as it is
 * at the end (Store.updateBuildCache).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildOptions } from '../../../src/build/index.js';
import { DiskStore } from '../../../src/host/index.js';
import type { Store } from '../../../src/store/index.js';
import { open, run, withBase } from './fixtures.js';

/** A command both builds call: each waits in it until the other has come, so both have read the cache before either writes it. */
function meetingPoint(): BuildOptions['commands'] {
  let arrived = 0;
  let release!: () => void;
  const together = new Promise<void>((resolve) => (release = resolve));
  return {
    meet: async () => {
      if (++arrived === 2) release();
      await together;
      return 0;
    },
  };
}

async function twoBuildsAtOnce(store: Store): Promise<void> {
  await withBase(store);
  const commands = meetingPoint();
  const a = { Dockerfile: 'FROM base:1.0\nCOPY a.txt /a.txt\nRUN meet && echo a > /ran-a\n', 'a.txt': 'a' };
  const b = { Dockerfile: 'FROM base:1.0\nRUN meet && echo b > /ran-b\nRUN echo b2 > /more\n', 'b.txt': 'b' };
  const [first, second] = await Promise.all([run(store, a, { commands, tags: ['a:1'] }), run(store, b, { commands, tags: ['b:1'] })]);
  expect(first.summary.cached + second.summary.cached).toBe(0);
  const again = [await run(store, a, { commands: {} }), await run(store, b, { commands: {} })];
  expect(again.map((r) => [r.summary.cached, r.summary.steps])).toEqual([
    [2, 2],
    [2, 2],
  ]);
  expect(again[0]!.image.id).toBe(first.image.id);
  expect(again[1]!.image.id).toBe(second.image.id);
  expect(Object.keys((await store.buildCache()).entries)).toHaveLength(4);
}

describe('two builds at once', () => {
  it('on one disk store: afterwards both are fully cached (neither wrote back the cache it read at its start)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'overlay-build-')), 'store');
    const store = await DiskStore.open(dir, { clock: () => 0, platform: { os: 'linux', architecture: 'amd64' } });
    try {
      await twoBuildsAtOnce(store);
    } finally {
      store.close();
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it('on one memory store: the same', async () => {
    await twoBuildsAtOnce(await open());
  });
});


describe('Store.updateBuildCache', () => {
  it('changes queued without waiting each see the one before (none is lost)', async () => {
    const store = await open();
    await Promise.all(['k1', 'k2', 'k3'].map((key) => store.updateBuildCache((doc) => ({ ...doc, entries: { ...doc.entries, [key]: { parent: key } } }))));
    expect(Object.keys((await store.buildCache()).entries).sort()).toEqual(['k1', 'k2', 'k3']);
  });
});
