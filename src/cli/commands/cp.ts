import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readFileAt } from '../../app/index.js';
import type { Overlay } from '../../overlay/index.js';
import { UsageError } from '../errors.js';
import { insidePath, type CommandSpec } from './common.js';
import { withTargetOverlay } from './targets.js';

/** Copies a path of the view to the host, a directory with everything below it. */
function copyOut(overlay: Overlay, from: string, to: string): number {
  const st = overlay.fs.lstatSync(from)!;
  if (st.isSymbolicLink()) {
    symlinkSync(overlay.fs.readlinkSync(from) as string, to);
    return 1;
  }
  let count = 1;
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of (overlay.fs.readdirSync(from) as string[]).sort()) count += copyOut(overlay, from === '/' ? `/${name}` : `${from}/${name}`, join(to, name));
    chmodSync(to, st.mode & 0o7777);
  } else if (st.isFile()) {
    writeFileSync(to, readFileAt(overlay, from));
    chmodSync(to, st.mode & 0o7777);
  } else {
    return 0;
  }
  utimesSync(to, st.mtimeMs / 1000, st.mtimeMs / 1000);
  return count;
}

export const cpCommand: CommandSpec = {
  command: 'cp <source> <dest>',
  describe: 'Copy a file or directory out of a container, image, archive or OCI layout (any of them @N) to the host (TARGET:PATH HOSTPATH)',
  builder: (y) =>
    y
      .positional('source', { type: 'string', describe: 'TARGET:/PATH' })
      .positional('dest', { type: 'string', describe: 'host path (into it when it is a directory)' })
      .option('image', { type: 'string', describe: 'the image to take in an archive holding several' }),
  examples: [
    ['overlay cp app:1.1@2:/etc/motd ./motd', 'a file as it was after layer 2'],
    ['overlay cp app.tar:/etc ./etc', 'a directory out of a docker save archive'],
  ],
  async run(ctx) {
    const source = ctx.str('source');
    const at = source.indexOf(':/');
    if (at <= 0) throw new UsageError(`${JSON.stringify(source)}: give TARGET:/PATH, the path inside absolute`);
    const target = source.slice(0, at);
    const path = insidePath(source.slice(at + 1));
    const given = resolve(ctx.io.cwd, ctx.str('dest'));
    const into = existsSync(given) && statSync(given).isDirectory();
    const dest = into ? join(given, path === '/' ? basename(target) : basename(path)) : given;
    const count = await withTargetOverlay(ctx, target, (overlay) => {
      overlay.fs.lstatSync(path);
      return copyOut(overlay, path, dest);
    });
    if (ctx.json) ctx.printJson({ path, dest, entries: count });
  },
};
