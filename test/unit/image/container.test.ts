import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mountContainer } from '../../../src/image/index.js';
import { Layer } from '../../../src/layer/index.js';
import { Overlay } from '../../../src/overlay/index.js';
import { fsOps, layerStack, runOp, snapshotTree, type FsLike } from '../../../src/testing/index.js';
import { runs } from '../../property/support/config.js';

const clock = (): number => 1_700_000_000_000;

describe('mountContainer: a saved upper restored onto a fresh mount', () => {
  it('rebuilds whiteouts, opaque directories, copy-ups and new files', async () => {
    const lower = Layer.fromEntries([
      { path: '/etc/motd', type: 'file', content: 'hi' },
      { path: '/etc/hosts', type: 'file', content: 'h' },
      { path: '/doc/README', type: 'file', content: 'r' },
      { path: '/bin/ls', type: 'file', content: 'ls', mode: 0o755 },
    ]);
    const first = new Overlay({ lowers: [lower], clock });
    first.fs.writeFileSync('/etc/motd', 'changed');
    first.fs.unlinkSync('/etc/hosts');
    first.fs.rmSync('/doc', { recursive: true });
    first.fs.mkdirSync('/doc');
    first.fs.writeFileSync('/doc/NEW', 'n');
    first.fs.chmodSync('/bin/ls', 0o700);
    first.fs.symlinkSync('ls', '/bin/dir');
    const saved = await Layer.fromTar(first.commitSync().toTar());

    const second = mountContainer([lower], saved, { clock });
    expect(second.diff()).toEqual(first.diff());
    expect(second.commitSync().diffId).toBe(saved.diffId);
    expect(second.explain('/etc/motd').copiedUp).toBe(true);
    expect(second.explain('/doc').layers[0]).toMatchObject({ layer: 'upper', entry: 'opaque dir' });
    expect(second.explain('/etc/hosts').layers[0]).toMatchObject({ layer: 'upper', entry: 'whiteout', role: 'deletes' });
    expect(second.fs.readdirSync('/doc')).toEqual(['NEW']);
  });

  it('gives the same view, diff and upper layer for random stacks and operations', async () => {
    await fc.assert(
      fc.asyncProperty(layerStack({ maxLayers: 3 }), fsOps({ maxLength: 12 }), async (stack, ops) => {
        const lowers = stack.map((entries) => Layer.fromEntries(entries));
        const first = new Overlay({ lowers, clock });
        for (const op of ops) runOp(first.fs as unknown as FsLike, '', op);
        const upper = first.commitSync();
        const saved = await Layer.fromTar(upper.toTar());
        const second = mountContainer(lowers, saved, { clock });
        expect(snapshotTree(second.fs as unknown as FsLike, '')).toEqual(snapshotTree(first.fs as unknown as FsLike, ''));
        expect(second.diff()).toEqual(first.diff());
        expect(second.commitSync().diffId).toBe(upper.diffId);
      }),
      runs(200),
    );
  });
});
