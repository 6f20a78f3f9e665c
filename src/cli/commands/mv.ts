import type { Overlay } from '../../overlay/index.js';
import { FsError } from '../../errors/index.js';
import { basename } from '../../path/index.js';
import { insidePath, withContainer, type CommandSpec } from './common.js';

/** Copies a tree inside the view (what mv(1) does when rename(2) says EXDEV). */
function copyTree(overlay: Overlay, from: string, to: string): void {
  const fs = overlay.fs;
  const st = fs.lstatSync(from)!;
  if (st.isDirectory()) {
    fs.mkdirSync(to, { mode: st.mode & 0o7777 });
    for (const name of (fs.readdirSync(from) as string[]).sort()) copyTree(overlay, `${from}/${name}`, `${to}/${name}`);
    fs.chmodSync(to, st.mode & 0o7777);
  } else if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from) as string, to);
    fs.lchownSync(to, st.uid, st.gid);
    fs.lutimesSync(to, st.mtimeMs / 1000, st.mtimeMs / 1000);
    return;
  } else {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, st.mode & 0o7777);
  }
  fs.chownSync(to, st.uid, st.gid);
  fs.utimesSync(to, st.mtimeMs / 1000, st.mtimeMs / 1000);
}

export const mvCommand: CommandSpec = {
  command: 'mv <container> <source> <dest>',
  describe: 'Rename or move a file or directory in a container (into DEST if it is a directory)',
  builder: (y) => y.positional('container', { type: 'string' }).positional('source', { type: 'string' }).positional('dest', { type: 'string' }),
  async run(ctx) {
    const source = insidePath(ctx.str('source'));
    let dest = insidePath(ctx.str('dest'));
    await withContainer(ctx, ctx.str('container'), true, (overlay) => {
      const fs = overlay.fs;
      const target = fs.statSync(dest, { throwIfNoEntry: false });
      // As mv(1): an existing directory as DEST means "into it".
      if (target?.isDirectory()) dest = dest.endsWith('/') ? `${dest}${basename(source)}` : `${dest}/${basename(source)}`;
      try {
        fs.renameSync(source, dest);
      } catch (error) {
        if (!(error instanceof FsError) || error.code !== 'EXDEV') throw error;
        // overlayfs without redirect_dir refuses to rename a directory that comes from a
        // lower layer; mv(1) then copies and deletes, and so do we.
        ctx.warn(`mv: ${source} is a directory from a lower layer: rename(2) says EXDEV (redirect_dir=off), so it is copied up and the original deleted`);
        copyTree(overlay, source, dest);
        fs.rmSync(source, { recursive: true });
      }
    });
  },
};
