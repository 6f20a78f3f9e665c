import { DomainError, FsError } from '../../errors/index.js';
import { formatBytes, shortId } from '../render/format.js';
import { withContainer, type CommandSpec } from './common.js';

/**
 * `rm` does two jobs, told apart by the arguments: `rm CONTAINER...` removes containers (as
 * `docker rm` does); `rm CONTAINER /PATH...` removes files inside one container (paths inside
 * are always absolute, and container names never start with `/`).
 */
export const rmCommand: CommandSpec = {
  command: 'rm <targets..>',
  describe: 'Remove containers (rm C...), or files in a container (rm C /PATH...)',
  builder: (y) =>
    y
      .positional('targets', { type: 'string', array: true, describe: 'containers, or one container and absolute paths inside it' })
      .option('recursive', { alias: 'r', type: 'boolean', describe: 'paths: remove directories and their contents' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'ignore missing paths or containers' }),
  examples: [
    ['overlay rm web /etc/motd', 'delete a file (a whiteout hides the lower copy)'],
    ['overlay rm -r web /usr/share/doc', 'delete a directory tree'],
    ['overlay rm web', 'remove the container web'],
  ],
  async run(ctx) {
    const [first, ...rest] = ctx.strs('targets');
    const force = ctx.flag('force');
    const paths = rest.filter((t) => t.startsWith('/'));
    if (paths.length > 0) {
      if (paths.length !== rest.length) {
        throw new DomainError('InvalidArgumentError', 'give either containers, or one container followed by absolute paths inside it');
      }
      await withContainer(ctx, first!, true, (overlay) => {
        for (const path of paths) {
          if (!ctx.flag('recursive') && overlay.fs.lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) {
            // rm(1) without -r leaves directories alone.
            throw new FsError('EISDIR', 'rm', path);
          } else {
            overlay.fs.rmSync(path, { recursive: ctx.flag('recursive'), force });
          }
        }
      });
      return;
    }
    const removed = await ctx.withStore(async (store) => {
      const out: { id: string; name: string }[] = [];
      let blobs = 0;
      let bytes = 0;
      for (const ref of [first!, ...rest]) {
        const container = force ? await store.findContainer(ref) : await store.resolveContainer(ref);
        if (container === undefined) continue;
        const gc = await store.removeContainer(container);
        blobs += gc.blobs.length;
        bytes += gc.bytes;
        out.push({ id: container.id, name: container.name });
      }
      return { containers: out, blobs, bytes };
    });
    if (ctx.json) return ctx.printJson(removed);
    for (const c of removed.containers) ctx.out(`${c.name} (${shortId(c.id)})`);
    if (removed.blobs > 0) ctx.out(`deleted ${removed.blobs} unused blobs (${formatBytes(removed.bytes)})`);
  },
};
