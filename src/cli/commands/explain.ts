import { renderExplanation } from '../render/explain.js';
import { insidePath, withView, type CommandSpec } from './common.js';

export const explainCommand: CommandSpec = {
  command: 'explain <target> <path>',
  describe: 'Where a path comes from: which layer provides it, what is copied up, what hides what',
  builder: (y) => y.positional('target', { type: 'string', describe: 'container or image' }).positional('path', { type: 'string' }),
  examples: [['overlay explain web /etc/motd', 'after a write: copied up from a lower layer']],
  async run(ctx) {
    const path = insidePath(ctx.str('path'));
    const { explanation, text } = await withView(ctx, ctx.str('target'), (view) => {
      const explanation = view.overlay.explain(path);
      return { explanation, text: renderExplanation(explanation, view.describeLayer) };
    });
    if (ctx.json) ctx.printJson(explanation);
    else ctx.io.stdout.write(text);
  },
};
