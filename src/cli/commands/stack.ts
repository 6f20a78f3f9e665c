import { stackOf } from '../../app/index.js';
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
    const stack = await withView(ctx, ctx.str('target'), stackOf);
    if (ctx.json) return ctx.printJson(stack.items);
    const boxes: StackBox[] = stack.items.map((i) => ({ title: i.title, ...(i.diffId === undefined ? {} : { note: shortId(i.diffId) }), changes: i.changes }));
    const width = Number(ctx.args['width'] ?? 0) || Math.min(100, Math.max(60, ctx.io.stdout.columns ?? 76));
    ctx.io.stdout.write(renderStack(boxes, { width, limit: ctx.flag('all') ? 0 : 8, heading: stack.heading }));
  },
};
