/**
 * The mount-switches panel of the lesson "redirect_dir, index, metacopy": the lesson's three
 * operations run again on a fresh mount of the same image with the switches the learner ticks
 * (the engine's `OverlayOptions`: the CLI always mounts with all three off, as this machine's
 * kernel does), and what each did to the upper layer, side by side with the all-off outcome.
 * What each switch does: overlayfs.rst, "Renaming directories" (redirect_dir), "Hardlinks"
 * (index), "Metadata only copy up" (metacopy).
 */
import { FsError } from '../../errors/index.js';
import type { Layer } from '../../layer/index.js';
import { Overlay, type OverlayFs } from '../../overlay/index.js';

export interface Switches {
  redirectDir: boolean;
  index: boolean;
  metacopy: boolean;
}

export interface SwitchOutcome {
  /** The command lines of the lesson this stands for. */
  op: string;
  /** What the mount did, in a sentence. */
  did: string;
}

/** mv(1)'s way when rename(2) says EXDEV: copy the tree, then remove the old one. */
function copyTree(fs: OverlayFs, from: string, to: string): void {
  const st = fs.lstatSync(from);
  if (st.isDirectory()) {
    fs.mkdirSync(to, { mode: st.mode & 0o7777 });
    for (const name of fs.readdirSync(from) as string[]) copyTree(fs, `${from}/${name}`, `${to}/${name}`);
  } else if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from) as string, to);
  else fs.writeFileSync(to, fs.readFileSync(from) as Uint8Array, { mode: st.mode & 0o7777 });
}

const where = (ref: number | 'upper' | undefined): string => (ref === 'upper' ? 'the upper layer' : ref === undefined ? 'nowhere' : `layer ${ref}`);

/** The lesson's operations on fresh mounts of `lowers` with `switches`, one outcome each. */
export function runSwitches(lowers: readonly Layer[], switches: Switches): SwitchOutcome[] {
  const options = { redirectDir: switches.redirectDir || switches.metacopy, index: switches.index, metacopy: switches.metacopy };
  const overlay = new Overlay({ lowers: [...lowers], ...options });
  const fs = overlay.fs;
  const out: SwitchOutcome[] = [];

  let did: string;
  try {
    fs.renameSync('/usr/share/doc', '/usr/share/manual');
    const e = overlay.explain('/usr/share/manual/README');
    did = `rename(2) renamed it: the upper directory redirects to ${overlay.explain('/usr/share/manual').redirect ?? '?'}; README still comes from ${where(e.providedBy)}, nothing was copied`;
  } catch (e) {
    if (!(e instanceof FsError) || e.code !== 'EXDEV') throw e;
    copyTree(fs, '/usr/share/doc', '/usr/share/manual');
    fs.rmSync('/usr/share/doc', { recursive: true });
    did = `rename(2) said EXDEV, so mv copied the tree under the new name and deleted the old one: README now comes from ${where(overlay.explain('/usr/share/manual/README').providedBy)}`;
  }
  out.push({ op: 'mv web /usr/share/doc /usr/share/manual', did });

  const e = (fs.chmodSync('/etc/os-release', 0o600), overlay.explain('/etc/os-release'));
  out.push({
    op: 'chmod web 600 /etc/os-release',
    did: e.metacopy ? `only the attributes were copied up (metacopy): the data still comes from the layer below` : 'the whole file, data and all, was copied up for a mode change',
  });

  // Two names of one file in a lower layer (made as the lesson does: ln, then commit).
  const linking = new Overlay({ lowers: [...lowers] });
  linking.fs.linkSync('/etc/passwd', '/etc/passwd.bak');
  const linked = new Overlay({ lowers: [...lowers, linking.commitSync({ created: new Date(0).toISOString() })], ...options });
  linked.fs.appendFileSync('/etc/passwd', 'learner:x:1000:1000::/home/learner:/bin/sh\n');
  const same = (linked.fs.readFileSync('/etc/passwd.bak', 'utf8') as string) === (linked.fs.readFileSync('/etc/passwd', 'utf8') as string);
  out.push({
    op: 'append two /etc/passwd (a name hard-linked to /etc/passwd.bak in a lower layer)',
    did: same ? 'the two names stay one file after copy-up (index): /etc/passwd.bak shows the new line' : 'copy-up broke the link: /etc/passwd.bak still shows the old /etc/passwd',
  });
  return out;
}
