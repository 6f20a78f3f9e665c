import { imageHistory } from '../../app/index.js';
import { formatBytes, shortId, table, timeAgo, truncate } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { CONTENT_SIZE } from '../render/sizes.js';

export const historyCommand: CommandSpec = {
  command: 'history <image>',
  describe: 'The build steps of an image, newest first, with the content size of each layer (like docker history)',
  builder: (y) =>
    y
      .positional('image', { type: 'string', describe: 'image (or container: its image)' })
      .option('no-trunc', { type: 'boolean', describe: 'do not shorten output' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only image IDs' }),
  async run(ctx) {
    const now = ctx.clock();
    const rows = await ctx.withStore((store) => imageHistory(store, ctx.str('image')));
    if (ctx.json) return ctx.printJson(rows);
    const full = ctx.flag('no-trunc');
    if (ctx.flag('quiet')) return ctx.out(rows.map((r) => (r.image === null ? '<missing>' : full ? r.image : shortId(r.image))).join('\n'));
    ctx.io.stdout.write(
      table(
        ['IMAGE', 'CREATED', 'CREATED BY', CONTENT_SIZE, 'COMMENT'],
        rows.map((r) => [
          r.image === null ? '<missing>' : full ? r.image : shortId(r.image),
          timeAgo(r.created, now),
          full ? r.createdBy : truncate(r.createdBy, 45),
          formatBytes(r.contentBytes),
          full ? (r.comment ?? '') : truncate(r.comment ?? '', 40),
        ]),
      ),
    );
  },
};
