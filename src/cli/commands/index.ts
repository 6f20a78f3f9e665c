import type { CommandSpec } from './common.js';
import { appendCommand, writeFileCommand } from './write.js';
import { catCommand } from './cat.js';
import { chmodCommand } from './chmod.js';
import { commitCommand } from './commit.js';
import { createCommand } from './create.js';
import { demoCommand } from './demo.js';
import { dfCommand } from './df.js';
import { diffCommand } from './diff.js';
import { explainCommand } from './explain.js';
import { exportCommand } from './export.js';
import { historyCommand } from './history.js';
import { imagesCommand } from './images.js';
import { importCommand } from './import.js';
import { inspectCommand } from './inspect.js';
import { layersCommand } from './layers.js';
import { lnCommand } from './ln.js';
import { loadCommand } from './load.js';
import { lsCommand } from './ls.js';
import { mkdirCommand } from './mkdir.js';
import { mvCommand } from './mv.js';
import { pruneCommand } from './prune.js';
import { psCommand } from './ps.js';
import { rmCommand } from './rm.js';
import { rmiCommand } from './rmi.js';
import { saveCommand } from './save.js';
import { stackCommand } from './stack.js';
import { tagCommand } from './tag.js';
import { touchCommand } from './touch.js';

/** Every verb, in the order `overlay --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  demoCommand,
  // images
  importCommand,
  imagesCommand,
  historyCommand,
  inspectCommand,
  layersCommand,
  tagCommand,
  rmiCommand,
  saveCommand,
  loadCommand,
  // containers
  createCommand,
  psCommand,
  diffCommand,
  commitCommand,
  exportCommand,
  // files inside a container (read verbs also take an image)
  lsCommand,
  catCommand,
  writeFileCommand,
  appendCommand,
  mkdirCommand,
  mvCommand,
  lnCommand,
  chmodCommand,
  touchCommand,
  rmCommand,
  // how it works
  explainCommand,
  stackCommand,
  // housekeeping
  dfCommand,
  pruneCommand,
];
