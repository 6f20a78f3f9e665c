import { diffContainer, diffSources } from '../../app/index.js';
import { formatBytes } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { targetLayers } from './targets.js';

export const diffCommand: CommandSpec = {
  command: 'diff <container> [other]',
  describe: 'What the container changed against its image, or what B changes against A (any two images, containers, archives or OCI layouts, or any of them @N): A added, C changed, D deleted (like docker diff)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'container name or ID; with a second target, A' })
      .positional('other', { type: 'string', describe: 'B: compare the merged views of A and B' })
      .option('image', { type: 'string', describe: 'the image to take in an archive holding several' }),
  examples: [
    ['overlay diff web', 'the container against its image'],
    ['overlay diff app:1.0 app:1.1', 'two images, with the size change'],
    ['overlay diff app:1.1@2 app:1.1@3', 'what layer 3 changed'],
    ['overlay diff app.tar ./oci-layout', 'a docker save archive against an OCI layout'],
  ],
  async run(ctx) {
    const other = ctx.optStr('other');
    if (other === undefined) {
      const changes = await ctx.withStore((store) => diffContainer(store, ctx.str('container')));
      if (ctx.json) return ctx.printJson(changes);
      if (changes.length > 0) ctx.out(changes.map((c) => `${c.kind} ${c.path}`).join('\n'));
      return;
    }
    const diff = diffSources(await targetLayers(ctx, ctx.str('container')), await targetLayers(ctx, other));
    if (ctx.json) return ctx.printJson(diff);
    const delta = diff.bytesAfter - diff.bytesBefore;
    const lines = diff.changes.map((c) => `${c.kind} ${c.path}`);
    lines.push(`size: ${formatBytes(diff.bytesBefore)} -> ${formatBytes(diff.bytesAfter)} (${delta >= 0 ? '+' : '-'}${formatBytes(Math.abs(delta))})`);
    ctx.out(lines.join('\n'));
  },
};
