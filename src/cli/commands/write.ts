import { writeFileAt } from '../../app/index.js';
import { parseMode } from '../render/mode.js';
import { inputData, insidePath, withContainer, type CommandSpec } from './common.js';

function writeCommand(append: boolean): CommandSpec {
  const verb = append ? 'append' : 'write';
  return {
    command: `${verb} <container> <path> [data]`,
    describe: append ? 'Append data to a file of a container (created if missing)' : 'Write a file of a container, replacing its content',
    builder: (y) =>
      y
        .positional('container', { type: 'string', describe: 'container name or ID' })
        .positional('path', { type: 'string', describe: 'absolute path of the file inside' })
        .positional('data', { type: 'string', describe: 'the data (default: read stdin)' })
        .option('from', { type: 'string', describe: 'read the data from this host file' })
        .option('parents', { alias: 'p', type: 'boolean', describe: 'create missing parent directories' })
        .option('mode', { type: 'string', describe: 'permission bits of a new file (octal, default 644)' }),
    examples: append
      ? [["printf '10.0.0.2 db\\n' | overlay append web /etc/hosts", 'add a line from stdin']]
      : [
          ['overlay write web /etc/motd "hello"', 'write a string'],
          ['echo hi | overlay write web /tmp/x', 'write stdin'],
        ],
    async run(ctx) {
      const path = insidePath(ctx.str('path'));
      const data = await inputData(ctx, ctx.optStr('data'));
      const modeText = ctx.optStr('mode');
      const mode = modeText === undefined ? 0o644 : parseMode(modeText, 0o644);
      await withContainer(ctx, ctx.str('container'), (overlay) => writeFileAt(overlay, path, data, { append, mode, parents: ctx.flag('parents') }));
    },
  };
}

export const writeFileCommand = writeCommand(false);
export const appendCommand = writeCommand(true);
