import { DomainError } from '../errors/index.js';
import type { Layer, LayerHistory } from '../layer/index.js';
import { commitUpper } from './commit.js';
import { DEFAULT_ROOT_META, Engine, LowerTree } from './engine/index.js';
import { diffView, type Change } from './diff.js';
import { explainPath, type Explanation } from './explain.js';
import { restoreUpper } from './restore.js';
import { createOverlayFs, type OverlayFs } from './fs/OverlayFs.js';

export interface OverlayOptions {
  /** Read-only layers, bottom first (the reverse of the kernel's `lowerdir=` order). */
  lowers?: readonly Layer[];
  /**
   * A previously committed upper layer to continue from (as the kernel reuses an upper dir
   * across mounts); default: a fresh, empty writable layer.
   */
  upper?: Layer;
  /** Kernel `redirect_dir=on`: lower and merged directories can be renamed instead of EXDEV. */
  redirectDir?: boolean;
  /** Kernel `index=on`: hard links between lower names survive copy-up. */
  index?: boolean;
  /** Kernel `metacopy=on`: attribute changes copy up metadata only. Implies `redirectDir`. */
  metacopy?: boolean;
  /** Milliseconds since the epoch for new timestamps (default `Date.now`). */
  clock?: () => number;
  /** Owner of new objects (default 0, root). */
  uid?: number;
  gid?: number;
  /** Mask for new objects' modes (default 0o022). */
  umask?: number;
}

export interface CommitOptions {
  createdBy?: string;
  comment?: string;
  author?: string;
  /** ISO time of creation (default: the overlay's clock). */
  created?: string;
}

const engines = new WeakMap<Overlay, Engine>();

/**
 * The engine under a mount, for tests of the engine's own laws (the fast read path agrees
 * with the general lookup). Not part of the public API: src/overlay/index.ts leaves it out.
 */
export function engineOf(overlay: Overlay): Engine {
  const engine = engines.get(overlay);
  if (engine === undefined) throw new Error('engineOf: not a mount');
  return engine;
}

/**
 * A mounted overlay: the lower layers plus one fresh writable upper layer, with a Node-`fs`
 * view (`overlay.fs`). The options mirror the kernel mount options of the same names and all
 * default to off, as on this machine's kernel (/sys/module/overlay/parameters).
 */
export class Overlay {
  readonly lowers: readonly Layer[];
  readonly fs: OverlayFs;
  readonly options: Readonly<Required<Pick<OverlayOptions, 'redirectDir' | 'index' | 'metacopy'>>>;
  readonly #engine: Engine;
  readonly #clock: () => number;

  constructor(options: OverlayOptions = {}) {
    const metacopy = options.metacopy ?? false;
    // The kernel refuses metacopy=on with redirect_dir=off and turns redirect_dir on when
    // metacopy=on alone is given (overlayfs.rst "Metadata only copy up").
    if (metacopy && options.redirectDir === false) {
      throw new DomainError('InvalidArgumentError', 'metacopy=on requires redirect_dir=on', { option: 'metacopy' });
    }
    this.options = Object.freeze({ redirectDir: options.redirectDir ?? metacopy, index: options.index ?? false, metacopy });
    this.lowers = Object.freeze([...(options.lowers ?? [])]);
    this.#clock = options.clock ?? Date.now;
    this.#engine = new Engine(new LowerTree(this.lowers, DEFAULT_ROOT_META), {
      ...this.options,
      clock: this.#clock,
      uid: options.uid ?? 0,
      gid: options.gid ?? 0,
      umask: options.umask ?? 0o022,
    });
    engines.set(this, this.#engine);
    if (options.upper !== undefined) restoreUpper(this.#engine, options.upper);
    this.fs = createOverlayFs(this.#engine);
  }

  /** What changed against the lower stack, as `docker diff` reports it (A/C/D, sorted). */
  diff(): Change[] {
    return diffView(this.#engine);
  }

  /**
   * The upper layer as a new immutable layer; the mount's view does not change. Stacking it
   * on the same lowers shows exactly this mount's view.
   */
  async commit(options: CommitOptions = {}): Promise<Layer> {
    return this.commitSync(options);
  }

  commitSync(options: CommitOptions = {}): Layer {
    const history: LayerHistory = { created: options.created ?? new Date(this.#clock()).toISOString() };
    if (options.createdBy !== undefined) history.createdBy = options.createdBy;
    if (options.comment !== undefined) history.comment = options.comment;
    if (options.author !== undefined) history.author = options.author;
    return commitUpper(this.#engine, history);
  }

  /** Which layer provides `path`, and what each layer's entry there does. */
  explain(path: string): Explanation {
    return explainPath(this.#engine, path);
  }
}
