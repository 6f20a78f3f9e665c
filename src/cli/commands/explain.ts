import { describeLayer, explainPath } from '../../app/index.js';
import { renderExplanation } from '../render/explain.js';
import { insidePath, withView, type CommandSpec } from './common.js';

export const explainCommand: CommandSpec = {
  command: 'explain <target> <path>',
  describe: 'Where a path comes from: which layer provides it, what is copied up, what hides what',
  builder: (y) => y.positional('target', { type: 'string', describe: 'container or image' }).positional('path', { type: 'string', describe: 'absolute path inside' }),
  examples: [['overlay explain web /etc/motd', 'after a write: copied up from a lower layer']],
  async run(ctx) {
    const path = insidePath(ctx.str('path'));
    const view = await withView(ctx, ctx.str('target'), (v) => v);
    const explanation = explainPath(view, path);
    if (ctx.json) ctx.printJson(explanation);
    else ctx.io.stdout.write(renderExplanation(explanation, (ref) => describeLayer(view, ref)));
  },
};
