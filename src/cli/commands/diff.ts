import { diffContainer } from '../../app/index.js';
import type { CommandSpec } from './common.js';

export const diffCommand: CommandSpec = {
  command: 'diff <container>',
  describe: 'What the container changed against its image: A added, C changed, D deleted (like docker diff)',
  builder: (y) => y.positional('container', { type: 'string', describe: 'container name or ID' }),
  async run(ctx) {
    const changes = await ctx.withStore((store) => diffContainer(store, ctx.str('container')));
    if (ctx.json) return ctx.printJson(changes);
    if (changes.length > 0) ctx.out(changes.map((c) => `${c.kind} ${c.path}`).join('\n'));
  },
};
