/**
 * What `build()` takes and gives back, and how it finds the Containerfile (as `docker build`
 * does: `Dockerfile`, else `Containerfile`, in the context).
 */
import type { ShellCommand } from '../shell/index.js';
import type { ImageRecord, Store } from '../store/index.js';
import type { BuildContextFs } from './context.js';
import { BuildError } from './errors.js';
import type { Instruction } from './parse.js';
import type { BuildSummary } from './summary.js';

export interface BuildOptions {
  store: Store;
  context: BuildContextFs;
  /** The Containerfile's text; by default `file` is read from the context. */
  containerfile?: string;
  /** Its name (for messages; and what is read from the context): default `Dockerfile`, else `Containerfile`. */
  file?: string;
  tags?: readonly string[];
  /** The stage to build (default the last). */
  target?: string;
  buildArgs?: Readonly<Record<string, string>>;
  noCache?: boolean;
  squash?: boolean;
  /** SOURCE_DATE_EPOCH in seconds: every time in the image and its files (default 0, so builds are reproducible). */
  sourceDateEpoch?: number;
  /** Commands RUN may call besides the shell's own (see src/shell). */
  commands?: Readonly<Record<string, ShellCommand>>;
  /** Each progress line in BuildKit's plain format. */
  onProgress?: (line: string) => void;
  /** Milliseconds, for step timings only (default `Date.now`). */
  now?: () => number;
  /** `--what-if`: changes nothing; says which steps edits to these context paths would rebuild (see `whatIf`). */
  whatIf?: readonly string[];
}

export interface StepReport {
  /** The `#n` of the progress output. */
  n: number;
  stage: string;
  instruction: string;
  position: Instruction['position'];
  status: 'CACHED' | 'DONE';
  /** Why it missed (`undefined` for a hit). */
  reason?: string;
  /** The simulated time its commands declared (when it ran). */
  simulatedMs: number;
  /** What it took when it ran (see the cache entry's `durationMs`): spent when DONE, saved when CACHED. */
  durationMs: number;
  /** File data bytes of its layer (0 without one). */
  bytes: number;
  /**
   * A step that ran: milliseconds (by `now`) keying it (COPY: reading and hashing its sources),
   * executing it, committing the mount's changes as a layer, and storing that (tar, DiffID, gzip, write).
   */
  timings?: { keyMs: number; executeMs: number; commitMs: number; storeMs: number };
}


export type { BuildSummary };

export interface BuildResult {
  image: ImageRecord;
  steps: StepReport[];
  summary: BuildSummary;
}

/** Reads the Containerfile the options name, as `docker build` finds it. */
export function containerfileText(options: Pick<BuildOptions, 'containerfile' | 'file' | 'context'>): { text: string; file: string } {
  if (options.containerfile !== undefined) return { text: options.containerfile, file: options.file ?? 'Dockerfile' };
  const names = options.file !== undefined ? [options.file] : ['Dockerfile', 'Containerfile'];
  for (const name of names) {
    try {
      return { text: new TextDecoder().decode(options.context.readFileSync(`/${name.replace(/^\/+/, '')}`)), file: name };
    } catch {
      // try the next name
    }
  }
  throw new BuildError(`no ${names.join(' or ')} in the build context`);
}
