import type { CommandSpec } from './common.js';

export const diffCommand: CommandSpec = {
  command: 'diff <container>',
  describe: 'What the container changed against its image: A added, C changed, D deleted (like docker diff)',
  builder: (y) => y.positional('container', { type: 'string' }),
  async run(ctx) {
    const changes = await ctx.withStore(async (store) => {
      const container = await store.resolveContainer(ctx.str('container'));
      return (await store.mount(container)).diff();
    });
    if (ctx.json) return ctx.printJson(changes);
    if (changes.length > 0) ctx.out(changes.map((c) => `${c.kind} ${c.path}`).join('\n'));
  },
};
