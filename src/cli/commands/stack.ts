import { layerChanges } from '../../image/index.js';
import { renderStack, type StackBox } from '../render/stack.js';
import { shortId } from '../render/format.js';
import { withView, type CommandSpec } from './common.js';

export const stackCommand: CommandSpec = {
  command: 'stack <target>',
  describe: 'Draw the layer stack of a container or image as boxes, top first, with what each layer adds, changes and deletes',
  builder: (y) =>
    y
      .positional('target', { type: 'string', describe: 'container or image' })
      .option('all', { type: 'boolean', describe: 'list every change (default: 8 per layer)' })
      .option('width', { type: 'number', describe: 'width of the boxes' }),
  async run(ctx) {
    const result = await withView(ctx, ctx.str('target'), (view) => {
      const diffIds = view.image.config.rootfs.diff_ids;
      const layers = [...view.lowers];
      const items: { layer: 'upper' | number; title: string; diffId?: string; changes: ReturnType<typeof layerChanges> }[] = [];
      if (view.container !== undefined) {
        const upper = view.overlay.commitSync();
        items.push({ layer: 'upper', title: view.describeLayer('upper'), changes: layerChanges([...layers, upper], layers.length) });
      }
      for (let i = layers.length - 1; i >= 0; i--) {
        items.push({ layer: i, title: view.describeLayer(i), diffId: diffIds[i]!, changes: layerChanges(layers, i) });
      }
      const heading = view.kind === 'container' ? `container ${view.container!.name}: the merged view` : `image ${view.imageLabel}: the merged view`;
      return { items, heading };
    });
    if (ctx.json) return ctx.printJson(result.items);
    const boxes: StackBox[] = result.items.map((i) => ({ title: i.title, ...(i.diffId === undefined ? {} : { note: shortId(i.diffId) }), changes: i.changes }));
    const width = Number(ctx.args['width'] ?? 0) || Math.min(100, Math.max(60, ctx.io.stdout.columns ?? 76));
    ctx.io.stdout.write(renderStack(boxes, { width, limit: ctx.flag('all') ? 0 : 8, heading: result.heading }));
  },
};
