import { pullFromRegistry } from '../../app/index.js';
import { describeTransfer, parsePlatform } from '../../registry/index.js';
import { nativeUnzstd } from '../../host/index.js';
import { connector, transportOptions } from '../registryAccess.js';
import { transferBars } from '../render/transferBars.js';
import type { CommandSpec } from './common.js';

export const pullCommand: CommandSpec = {
  command: 'pull <reference>',
  describe: 'Fetch an image from a registry: only the layers the store lacks',
  builder: (y) =>
    transportOptions(
      y
        .positional('reference', { type: 'string', describe: 'REGISTRY/NAME[:TAG|@DIGEST]' })
        .option('platform', { type: 'string', describe: 'os/arch[/variant] to take from a multi-platform image (default: the store\'s)' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'print what would be fetched, store nothing' }),
    ),
  examples: [
    ['overlay pull 127.0.0.1:5000/team/app:1.0 --plain-http', 'from a loopback registry'],
    ['overlay pull 127.0.0.1:5000/team/app@sha256:… --platform linux/arm64', 'one platform of an index'],
  ],
  async run(ctx) {
    const platform = ctx.optStr('platform');
    // zlib's zstd decoder where this Node has one, else the registry client's pure-JS one.
    const zstd = nativeUnzstd();
    const bars = transferBars(ctx.io.stderr);
    const result = await ctx.withStore(async (store) => {
      try {
        return await pullFromRegistry(store, ctx.str('reference'), connector(ctx), {
          dryRun: ctx.flag('dry-run'),
          ...(platform === undefined ? {} : { platform: parsePlatform(platform) }),
          ...(zstd === undefined ? {} : { zstd }),
          progress: (layer) => bars.bar(`pulling ${layer.digest.slice(7, 19)}`),
        });
      } finally {
        bars.done();
      }
    });
    const { image, ...report } = result;
    if (ctx.json) return ctx.printJson({ ...report, ...(image === undefined ? {} : { id: image.id, names: image.names }) });
    ctx.out(`${report.reference}: ${report.digest}`);
    ctx.out(describeTransfer(report));
    if (report.keptManifest === false && image !== undefined) ctx.warn(`stored with the store's own manifest ${image.manifestDigest} (its layers are kept as gzip)`);
  },
};
