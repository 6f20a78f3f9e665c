import { shortId } from '../render/format.js';
import type { CommandSpec } from './common.js';

export const createCommand: CommandSpec = {
  command: 'create <image>',
  describe: 'Create a container: the image read-only below, a new empty writable layer on top',
  builder: (y) =>
    y.positional('image', { type: 'string', describe: 'image name[:tag] or ID' }).option('name', { type: 'string', describe: 'name of the container (default IMAGE-N)' }),
  examples: [['overlay create app:1.0 --name web', 'a container named web']],
  async run(ctx) {
    const ref = ctx.str('image');
    const name = ctx.optStr('name');
    const container = await ctx.withStore(async (store) => {
      const image = store.resolveImage(ref);
      const options: { name?: string; imageName?: string } = {};
      if (name !== undefined) options.name = name;
      if (image.names.length > 0) options.imageName = image.names.find((n) => n === ref || n === `${ref}:latest`) ?? image.names[0]!;
      return store.createContainer(image, options);
    });
    if (ctx.json) ctx.printJson({ id: container.id, name: container.name, image: container.imageName ?? container.imageId, imageId: container.imageId });
    else ctx.out(`${shortId(container.id)}  ${container.name}`);
  },
};
