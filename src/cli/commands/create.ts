import { createContainer } from '../../app/index.js';
import { shortId } from '../render/format.js';
import type { CommandSpec } from './common.js';

export const createCommand: CommandSpec = {
  command: 'create <image>',
  describe: 'Create a container: the image read-only below, a new empty writable layer on top',
  builder: (y) =>
    y.positional('image', { type: 'string', describe: 'image name[:tag] or ID' }).option('name', { type: 'string', describe: 'name of the container (default IMAGE-N)' })
      .option('max-layers', { type: 'number', describe: "most image layers to stack (default 127, Docker's overlay2 limit)" }),
  examples: [['overlay create app:1.0 --name web', 'a container named web']],
  async run(ctx) {
    const name = ctx.optStr('name');
    const maxLayers = ctx.args['max-layers'];
    const options: { name?: string; maxLayers?: number } = name === undefined ? {} : { name };
    if (typeof maxLayers === 'number' && Number.isFinite(maxLayers)) options.maxLayers = maxLayers;
    const container = await ctx.withStore((store) => createContainer(store, ctx.str('image'), options));
    if (ctx.json) ctx.printJson({ id: container.id, name: container.name, image: container.imageName ?? container.imageId, imageId: container.imageId });
    else ctx.out(`${shortId(container.id)}  ${container.name}`);
  },
};
