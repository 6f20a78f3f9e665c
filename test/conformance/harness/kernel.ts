/**
 * The kernel side: one tmpfs per test file holding the lower layer directories, the upper and
 * work dirs and the mount point; layers materialized in the kernel's format (whiteout = char
 * device 0/0, opaque dir = `trusted.overlay.opaque=y`, overlayfs.rst "whiteouts and opaque
 * directories"); `mount -t overlay` per scenario.
 *
 * Absolute symlink targets: the kernel resolves them against the host root, the emulator against
 * the overlay root. Layers are materialized (and `runOp` creates symlinks) with the mount
 * directory prefixed to absolute targets; readlink results, snapshots and the changeset strip it
 * again. Generated paths and targets never contain `..`, so nothing can climb out of the mount.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Layer } from '../../../src/layer/index.js';
import { contentBytes } from '../../../src/layer/index.js';
import { rootTarget } from '../../../src/testing/index.js';
import { hideBelow, mergedView } from './mergedView.js';
import type { MountMode } from './modes.js';
import { PythonHelper, type MaterializeItem, type ScannedEntry } from './pythonHelper.js';

export interface ProbeResult {
  ok: boolean;
  reason: string;
}

function run(cmd: string, args: readonly string[], cwd?: string): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd !== undefined ? { cwd } : {}) });
}

function errorText(error: unknown): string {
  const e = error as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString().trim() || e.message || String(error)).split('\n')[0]!;
}

/** Can this process mount a tmpfs and an overlay on it? (Root, and a kernel with overlayfs.) */
export function probeKernelOverlay(): ProbeResult {
  if (process.platform !== 'linux') return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: `not root (uid ${process.getuid?.()})` };
  const base = fs.mkdtempSync(join(tmpdir(), 'ovl-probe-'));
  let tmpfsMounted = false;
  try {
    run('mount', ['-t', 'tmpfs', 'tmpfs', base]);
    tmpfsMounted = true;
    for (const d of ['l', 'u', 'w', 'm']) fs.mkdirSync(join(base, d));
    run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base}/l,upperdir=${base}/u,workdir=${base}/w`, `${base}/m`]);
    run('umount', [`${base}/m`]);
    return { ok: true, reason: 'mounted' };
  } catch (error) {
    return { ok: false, reason: errorText(error) };
  } finally {
    if (tmpfsMounted) {
      try {
        run('umount', [base]);
      } catch {
        /* reported by the caller's failure anyway */
      }
    }
    fs.rmSync(base, { recursive: true, force: true });
  }
}

let instances = 0;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Mounts left by a test process that was killed (by the watchdog or a CI timeout). */
function removeStaleMounts(): void {
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '');
  for (const name of fs.readdirSync(tmpdir())) {
    const match = /^ovl-conformance-(\d+)-\d+$/.exec(name);
    if (match === null || isAlive(Number(match[1]))) continue;
    const base = join(tmpdir(), name);
    for (const target of [join(base, 'm'), base]) {
      if (mounts.includes(target)) {
        try {
          run('umount', ['-l', target]);
        } catch {
          /* already gone */
        }
      }
    }
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(`${base}.state`, { force: true });
  }
}

export class KernelOverlay {
  readonly base: string;
  readonly mountDir: string;
  readonly helper: PythonHelper;
  /** What is running now, for the watchdog's hang report (see fshelper.py "arm"). */
  readonly stateFile: string;
  #layerCount = 0;
  #mounted = false;
  #busy = false;

  private constructor(base: string, helper: PythonHelper) {
    this.base = base;
    this.mountDir = join(base, 'm');
    this.helper = helper;
    this.stateFile = `${base}.state`;
  }

  /** One scenario at a time: a second one would wipe the first one's layers under it. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy) throw new Error('KernelOverlay: two scenarios at once on one mount (a dangling async run?)');
    this.#busy = true;
    try {
      return await fn();
    } finally {
      this.#busy = false;
    }
  }

  /** Records what runs now; the watchdog prints it if the scenario hangs. */
  noteState(text: string): void {
    fs.writeFileSync(this.stateFile, text);
  }

  /** Mounts a fresh tmpfs for this test file and starts the python helper. */
  static async start(): Promise<KernelOverlay> {
    removeStaleMounts();
    const base = join(tmpdir(), `ovl-conformance-${process.pid}-${instances++}`);
    fs.mkdirSync(base, { recursive: true });
    run('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', base]);
    fs.mkdirSync(join(base, 'm'));
    const helper = new PythonHelper();
    await helper.ping();
    return new KernelOverlay(base, helper);
  }

  #dir(name: string): string {
    return join(this.base, name);
  }

  /** Wipes the previous scenario and writes `layers` (bottom first) as L0, L1, … . */
  async materialize(layers: readonly Layer[]): Promise<void> {
    if (this.#mounted) this.unmount();
    for (const name of fs.readdirSync(this.base)) {
      if (name !== 'm') fs.rmSync(this.#dir(name), { recursive: true, force: true });
    }
    for (let i = 0; i < layers.length; i++) {
      await this.helper.materialize(this.#dir(`l${i}`), layerItems(layers[i]!, layers.slice(0, i), this.mountDir));
    }
    // The merged root takes the upper dir's attributes: 0755 root:root, like the emulator's.
    fs.mkdirSync(this.#dir('u'), { mode: 0o755 });
    fs.chmodSync(this.#dir('u'), 0o755);
    fs.mkdirSync(this.#dir('w'));
    this.#layerCount = layers.length;
  }

  mount(mode: MountMode): void {
    const lowers: string[] = [];
    // lowerdir= lists the top layer first (overlayfs.rst "Multiple lower layers"). The paths are
    // relative to the tmpfs (mount runs there): the options must fit in one page, and 499
    // absolute paths would not.
    for (let i = this.#layerCount - 1; i >= 0; i--) lowers.push(`l${i}`);
    const options = `lowerdir=${lowers.join(':')},upperdir=u,workdir=w${mode.options ? ',' + mode.options : ''}`;
    try {
      run('mount', ['-t', 'overlay', 'overlay', '-o', options, this.mountDir], this.base);
    } catch (error) {
      throw new Error(`mount -t overlay -o ${options} failed: ${errorText(error)}`);
    }
    this.#mounted = true;
  }

  unmount(): void {
    if (!this.#mounted) return;
    run('umount', [this.mountDir]);
    this.#mounted = false;
  }

  /** The kernel's upper dir, every object with its overlay xattrs. */
  async scanUpper(): Promise<ScannedEntry[]> {
    return this.helper.scan(this.#dir('u'));
  }

  async close(): Promise<void> {
    try {
      this.unmount();
    } finally {
      this.helper.close();
      run('umount', [this.base]);
      fs.rmdirSync(this.base);
      fs.rmSync(this.stateFile, { force: true });
    }
  }
}

/**
 * A layer as creation items. An implicit directory takes the attributes of the same directory
 * in the merged lower stack, if any (as containerd's apply does) and if this layer does not
 * hide it (a whiteout or opaque dir above it), else 0755 root:root.
 */
export function layerItems(layer: Layer, below: readonly Layer[], mountDir: string): MaterializeItem[] {
  const lowerView = mergedView(below);
  hideBelow(lowerView, layer);
  const items: MaterializeItem[] = [];
  const firstName = new Map<number, string>();
  for (const path of layer.paths()) {
    if (path === '/') continue;
    const node = layer.node(path)!;
    switch (node.kind) {
      case 'whiteout':
        items.push({ p: path, k: 'whiteout', t: 0 });
        break;
      case 'dir': {
        const lower = lowerView.get(path);
        const meta = node.implicit ? (lower?.type === 'dir' ? lower : { mode: 0o755, uid: 0, gid: 0 }) : node.meta;
        // An implicit dir merged with a lower one shows the lower one's mtime in the emulator.
        const mtime = node.implicit ? (lower?.type === 'dir' ? (lower.mtime ?? 0) : 0) : node.meta.mtime;
        items.push({ p: path, k: 'dir', m: meta.mode, u: meta.uid, g: meta.gid, t: mtime / 1000, o: node.opaque });
        break;
      }
      case 'file':
      case 'symlink': {
        const { inode } = node;
        const first = firstName.get(inode.ino);
        if (first !== undefined) {
          items.push({ p: path, k: 'link', l: first });
          break;
        }
        firstName.set(inode.ino, path);
        const common = { p: path, m: inode.meta.mode, u: inode.meta.uid, g: inode.meta.gid, t: inode.meta.mtime / 1000 };
        if (inode.type === 'file') {
          items.push({ ...common, k: 'file', c: Buffer.from(contentBytes(inode.content!)).toString('base64') });
        } else {
          items.push({ ...common, k: 'symlink', tg: rootTarget(mountDir, inode.target!) });
        }
        break;
      }
    }
  }
  return items;
}
