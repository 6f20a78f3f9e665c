import { DomainError } from '../../errors/index.js';
import { saveImages } from '../../app/index.js';
import type { ArchiveFormat } from '../../image/index.js';
import { tarOfFiles } from '../../host/index.js';
import type { CommandSpec } from './common.js';
import { writeOutput } from './output.js';

export const saveCommand: CommandSpec = {
  command: 'save <images..>',
  describe: 'Write images to a tar: docker-archive + OCI layout (as docker save does), or a pure OCI layout',
  builder: (y) =>
    y
      .positional('images', { type: 'string', array: true, default: undefined, describe: 'image names or IDs' })
      .option('output', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout' })
      .option('format', { choices: ['docker', 'oci'], default: 'docker', describe: 'docker: Docker 25+ archive (also an OCI layout, uncompressed layers); oci: OCI layout with the stored gzip blobs' }),
  examples: [
    ['overlay save app:1.0 -o app.tar', 'for docker load, skopeo docker-archive: or oci-archive:'],
    ['overlay save --format oci app:1.0 -o app-oci.tar', 'an OCI image layout tar'],
  ],
  async run(ctx) {
    const format = (ctx.optStr('format') ?? 'docker') as ArchiveFormat;
    if (format !== 'docker' && format !== 'oci') throw new DomainError('InvalidArgumentError', `unknown format ${String(format)}`);
    // The blobs are read while the archive is written: the store stays locked until then.
    const { files, result } = await ctx.withStore(async (store) => {
      const files = await saveImages(store, ctx.strs('images'), format);
      const total = files.reduce((n, f) => n + f.size, 0);
      return { files, result: await writeOutput(ctx, tarOfFiles(files), ctx.progress('saving', total)) };
    });
    if (ctx.json && result.path !== undefined) ctx.printJson({ file: result.path, bytes: result.bytes, format, files: files.map((f) => f.path) });
  },
};
