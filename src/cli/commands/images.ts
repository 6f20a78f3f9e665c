import { listImages } from '../../app/index.js';
import { formatBytes, shortId, table, timeAgo } from '../render/format.js';
import type { CommandSpec } from './common.js';
import { COMPRESSED_SIZE, CONTENT_SIZE } from '../render/sizes.js';

export const imagesCommand: CommandSpec = {
  command: 'images',
  describe: 'List images (one line per tag)',
  builder: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'only image IDs' })
      .option('digests', { type: 'boolean', describe: 'show manifest digests' })
      .option('no-trunc', { type: 'boolean', describe: 'full IDs' }),
  async run(ctx) {
    const now = ctx.clock();
    const rows = await ctx.withStore(async (store) => listImages(store));
    if (ctx.json) return ctx.printJson(rows);
    const full = ctx.flag('no-trunc');
    if (ctx.flag('quiet')) {
      const ids = [...new Set(rows.map((r) => (full ? r.id : shortId(r.id))))];
      if (ids.length > 0) ctx.out(ids.join('\n'));
      return;
    }
    const digests = ctx.flag('digests');
    const headers = ['REPOSITORY', 'TAG', ...(digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'LAYERS', CONTENT_SIZE, COMPRESSED_SIZE];
    ctx.io.stdout.write(
      table(
        headers,
        rows.map((r) => [r.repository, r.tag, ...(digests ? [r.digest] : []), full ? r.id : shortId(r.id), timeAgo(r.created, now), String(r.layers), formatBytes(r.contentBytes), formatBytes(r.compressedBytes)]),
      ),
    );
  },
};
