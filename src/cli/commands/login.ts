import { ping } from '../../registry/index.js';
import { UsageError } from '../errors.js';
import { connector, removeCredentials, saveCredentials, transportOptions } from '../registryAccess.js';
import type { CommandSpec } from './common.js';

export const loginCommand: CommandSpec = {
  command: 'login <registry>',
  describe: 'Save credentials for a registry (checked first; kept in a 0600 file in your config directory)',
  builder: (y) =>
    transportOptions(
      y
        .positional('registry', { type: 'string', describe: 'host[:port]' })
        .option('username', { alias: 'u', type: 'string', describe: 'user name' })
        .option('password-stdin', { type: 'boolean', default: false, describe: 'read the password from stdin' }),
    ),
  examples: [['overlay login 127.0.0.1:5000 -u ada --password-stdin <pw.txt', 'the password from a file or pipe, never an argument']],
  async run(ctx) {
    const registry = ctx.str('registry');
    const username = ctx.optStr('username');
    if (username === undefined || username === '') throw new UsageError('login needs -u USER and --password-stdin');
    if (!ctx.flag('password-stdin') || ctx.io.stdinChunks === undefined) throw new UsageError('login reads the password from stdin: --password-stdin (it is never taken on the command line)');
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of ctx.io.stdinChunks()) text += decoder.decode(chunk, { stream: true });
    const password = text.replace(/\r?\n$/, '');
    if (password === '') throw new UsageError('no password on stdin');
    const credentials = { username, password };
    // The credentials are tried before they are kept: a typo is said now, not at the next push.
    await ping(await connector(ctx, credentials)(registry));
    const path = saveCredentials(ctx, registry, credentials);
    if (ctx.json) return ctx.printJson({ registry, username, file: path });
    ctx.out(`Login Succeeded (${registry}, credentials in ${path})`);
  },
};

export const logoutCommand: CommandSpec = {
  command: 'logout <registry>',
  describe: 'Forget the credentials saved for a registry',
  builder: (y) => y.positional('registry', { type: 'string', describe: 'host[:port]' }),
  async run(ctx) {
    const registry = ctx.str('registry');
    const removed = removeCredentials(ctx, registry);
    if (ctx.json) return ctx.printJson({ registry, removed });
    ctx.out(removed ? `Removed login credentials for ${registry}` : `Not logged in to ${registry}`);
  },
};
