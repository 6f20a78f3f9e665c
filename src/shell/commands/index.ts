/** Every ordinary command the shell knows, by name. */
import type { ShellCommand } from '../types.js';
import { attrCommands } from './attrs.js';
import { fileCommands } from './files.js';
import { infoCommands } from './info.js';
import { searchCommands } from './search.js';
import { tar } from './tar.js';
import { testCommands } from './test.js';
import { textCommands } from './text.js';

export const builtinCommands: Readonly<Record<string, ShellCommand>> = Object.freeze({
  ...textCommands,
  ...fileCommands,
  ...attrCommands,
  ...testCommands,
  ...searchCommands,
  ...infoCommands,
  tar,
});
