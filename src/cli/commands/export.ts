import { exportTree } from '../../app/index.js';
import { withView, type CommandSpec } from './common.js';
import { writeOutput } from './output.js';

export const exportCommand: CommandSpec = {
  command: 'export <target>',
  describe: 'Write the merged filesystem of a container or image as one flat tar (no layers, no whiteouts)',
  builder: (y) => y.positional('target', { type: 'string', describe: 'container or image' }).option('output', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout' }),
  examples: [['overlay export web -o rootfs.tar', 'the container as a root filesystem tar']],
  async run(ctx) {
    // File data is read from the layer caches as the tar is written, so the store stays
    // locked (no prune can drop a cache) until the last byte is out.
    const { flat, result } = await withView(ctx, ctx.str('target'), async (view) => {
      const flat = exportTree(view);
      return { flat, result: await writeOutput(ctx, flat.tarChunks(), ctx.progress('exporting', flat.tarSize)) };
    });
    if (ctx.json && result.path !== undefined) ctx.printJson({ file: result.path, bytes: result.bytes, entries: flat.entryCount });
  },
};
