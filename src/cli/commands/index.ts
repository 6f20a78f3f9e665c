import type { CommandSpec } from './common.js';

/**
 * Every verb, in the order `overlay --help` lists them, with the module that defines it. A
 * command line loads only its own verb's module (see `commandsFor` in run.ts): each module
 * pulls in what its verb needs, and loading all of them cost every command tens of
 * milliseconds before it did anything.
 */
const VERBS: readonly (readonly [verb: string, load: () => Promise<CommandSpec>])[] = [
  ['demo', async () => (await import('./demo.js')).demoCommand],
  // images
  ['import', async () => (await import('./import.js')).importCommand],
  ['build', async () => (await import('./build.js')).buildCommand],
  ['images', async () => (await import('./images.js')).imagesCommand],
  ['history', async () => (await import('./history.js')).historyCommand],
  ['inspect', async () => (await import('./inspect.js')).inspectCommand],
  ['layers', async () => (await import('./layers.js')).layersCommand],
  ['tag', async () => (await import('./tag.js')).tagCommand],
  ['rmi', async () => (await import('./rmi.js')).rmiCommand],
  ['save', async () => (await import('./save.js')).saveCommand],
  ['load', async () => (await import('./load.js')).loadCommand],
  // registries
  ['push', async () => (await import('./push.js')).pushCommand],
  ['pull', async () => (await import('./pull.js')).pullCommand],
  ['login', async () => (await import('./login.js')).loginCommand],
  ['logout', async () => (await import('./login.js')).logoutCommand],
  // containers
  ['create', async () => (await import('./create.js')).createCommand],
  ['ps', async () => (await import('./ps.js')).psCommand],
  ['diff', async () => (await import('./diff.js')).diffCommand],
  ['commit', async () => (await import('./commit.js')).commitCommand],
  ['container', async () => (await import('./container.js')).containerCommand],
  ['export', async () => (await import('./export.js')).exportCommand],
  // files inside a container (read verbs also take an image)
  ['ls', async () => (await import('./ls.js')).lsCommand],
  ['cat', async () => (await import('./cat.js')).catCommand],
  ['write', async () => (await import('./write.js')).writeFileCommand],
  ['append', async () => (await import('./write.js')).appendCommand],
  ['mkdir', async () => (await import('./mkdir.js')).mkdirCommand],
  ['mv', async () => (await import('./mv.js')).mvCommand],
  ['ln', async () => (await import('./ln.js')).lnCommand],
  ['chmod', async () => (await import('./chmod.js')).chmodCommand],
  ['touch', async () => (await import('./touch.js')).touchCommand],
  ['rm', async () => (await import('./rm.js')).rmCommand],
  // how it works
  ['explain', async () => (await import('./explain.js')).explainCommand],
  ['analyze', async () => (await import('./analyze.js')).analyzeCommand],
  ['cp', async () => (await import('./cp.js')).cpCommand],
  ['stack', async () => (await import('./stack.js')).stackCommand],
  ['web', async () => (await import('./web.js')).webCommand],
  // housekeeping
  ['df', async () => (await import('./df.js')).dfCommand],
  ['prune', async () => (await import('./prune.js')).pruneCommand],
  ['fsck', async () => (await import('./fsck.js')).fsckCommand],
];

const byVerb = new Map(VERBS);

/** Every verb's name, in `overlay --help` order (the executable keeps a code cache for each: scripts/cli-build.mjs). */
export const VERB_NAMES: readonly string[] = VERBS.map(([verb]) => verb);

/** Global options that take a value (`--store DIR`): the word after them is not the verb. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(['--store']);
/** Global options that take none. */
export const FLAG_OPTIONS: ReadonlySet<string> = new Set(['--json']);

/** Whether `word` names a verb. */
export function isVerb(word: string): boolean {
  return byVerb.has(word);
}

/** The specs of these verbs (every verb when none is given), in `overlay --help` order. */
export async function loadCommands(verbs?: readonly string[]): Promise<CommandSpec[]> {
  const wanted = verbs === undefined ? VERBS : VERBS.filter(([verb]) => verbs.includes(verb));
  return Promise.all(wanted.map(([, load]) => load()));
}
