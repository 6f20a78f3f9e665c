import { pushToRegistry } from '../../app/index.js';
import { describeTransfer } from '../../registry/index.js';
import { connector, transportOptions } from '../registryAccess.js';
import { transferBars } from '../render/transferBars.js';
import type { CommandSpec } from './common.js';

export const pushCommand: CommandSpec = {
  command: 'push <image> [target]',
  describe: 'Send an image to a registry: only the layers the registry lacks',
  builder: (y) =>
    transportOptions(
      y
        .positional('image', { type: 'string', describe: 'image name or ID' })
        .positional('target', { type: 'string', describe: 'REGISTRY/NAME[:TAG] (default: the image\'s name)' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'print what would be sent, send nothing' }),
    ),
  examples: [
    ['overlay push app:1.0 127.0.0.1:5000/team/app:1.0 --plain-http', 'to a loopback registry'],
    ['overlay push 127.0.0.1:5000/team/app:1.0 --dry-run', 'which layers the registry lacks'],
  ],
  async run(ctx) {
    const bars = transferBars(ctx.io.stderr);
    const report = await ctx.withStore(async (store) => {
      try {
        return await pushToRegistry(store, ctx.str('image'), ctx.optStr('target'), connector(ctx), {
          dryRun: ctx.flag('dry-run'),
          progress: (blob) => bars.bar(`pushing ${blob.digest.slice(7, 19)}`),
        });
      } finally {
        bars.done();
      }
    });
    if (ctx.json) return ctx.printJson(report);
    ctx.out(`${report.reference}: ${report.digest}`);
    ctx.out(describeTransfer(report));
  },
};
