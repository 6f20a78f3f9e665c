import { listContainers } from '../../app/index.js';
import { formatBytes, shortId, table, timeAgo } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { CONTENT_SIZE } from '../render/sizes.js';

export const psCommand: CommandSpec = {
  command: 'ps',
  describe: 'List containers',
  builder: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only container IDs' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'accepted for Docker habits (containers never run, all are listed)' })
      .option('no-trunc', { type: 'boolean', describe: 'full IDs' }),
  async run(ctx) {
    const now = ctx.clock();
    const rows = await ctx.withStore(listContainers);
    if (ctx.json) return ctx.printJson(rows);
    const full = ctx.flag('no-trunc');
    if (ctx.flag('quiet')) {
      if (rows.length > 0) ctx.out(rows.map((r) => (full ? r.id : shortId(r.id))).join('\n'));
      return;
    }
    ctx.io.stdout.write(
      table(
        ['CONTAINER ID', 'IMAGE', 'CREATED', CONTENT_SIZE, 'NAMES'],
        rows.map((r) => [full ? r.id : shortId(r.id), r.image, timeAgo(r.created, now), formatBytes(r.contentBytes), r.name]),
      ),
    );
  },
};
