import type { CliRunner } from '../context.js';
import { Player, shellQuote } from './Player.js';
import { TOUR, type TourFacts, type TourText } from './tour.js';

/** 2024-01-01T00:00:00Z: the clock of every command in the tour, as SOURCE_DATE_EPOCH. */
export const DEMO_EPOCH = 1_704_067_200;
/** The platform the tour's images declare, whatever machine runs it. */
export const DEMO_PLATFORM = 'linux/amd64';

export interface TourOptions {
  /** Writes text to the demo's stdout. */
  write(text: string): void;
  cli: CliRunner;
  storeDir: string;
  /** Whether the store outlives the tour: then its path is shown (else it never is). */
  kept: boolean;
  /** The directory holding the tour's tar. */
  cwd: string;
  /** OVERLAY_DEBUG, passed on so a failing command shows its stack. */
  debug?: string;
}

/** Plays the tour; a command that fails stops it with a `DemoStepError`. */
export async function playTour(options: TourOptions): Promise<void> {
  const env = {
    OVERLAY_STORE: options.storeDir,
    SOURCE_DATE_EPOCH: String(DEMO_EPOCH),
    OVERLAY_PLATFORM: DEMO_PLATFORM,
    ...(options.debug === undefined ? {} : { OVERLAY_DEBUG: options.debug }),
  };
  const player = new Player({ write: options.write, cli: options.cli, env, cwd: options.cwd });
  const outputs = new Map<string, string>();
  const facts: TourFacts = { keptStore: options.kept ? options.storeDir : undefined, outputs };
  const text = (t: TourText): string => (typeof t === 'string' ? t : t(facts));

  player.title('overlay demo: how container images and overlay filesystems work');
  const clock = new Date(DEMO_EPOCH * 1000).toISOString().replace('.000Z', 'Z');
  const lines = [
    'Each "$ overlay ..." line below is a real command, and under it is what it printed.',
    `The clock is stopped at ${clock} and the platform is ${DEMO_PLATFORM}, so every`,
    'digest is the same on every run.',
  ];
  if (options.kept) {
    lines.push(
      `The store is ${options.storeDir} (kept).`,
      'To type the commands yourself there, and get the same results:',
      `  export OVERLAY_STORE=${shellQuote(options.storeDir)} SOURCE_DATE_EPOCH=${DEMO_EPOCH} OVERLAY_PLATFORM=${DEMO_PLATFORM}`,
    );
  } else {
    lines.push('The store is a temporary directory, removed at the end (--keep keeps it).');
  }
  player.say(lines.join('\n'));

  for (const section of TOUR) {
    player.heading(section.title);
    for (const step of section.steps) {
      if ('say' in step) {
        const said = text(step.say);
        if (said !== '') player.say(said);
      } else if ('show' in step) {
        player.show(text(step.show));
      } else {
        const stdout = await player.run(step.run);
        if (step.keepAs !== undefined) outputs.set(step.keepAs, stdout);
      }
    }
  }
  player.say('\nDone: every layer above was made by an overlay command, and every digest is reproducible.');
}
