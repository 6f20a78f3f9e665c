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
        .option('password-stdin', { type: 'boolean', default: false, describe: 'read the password from stdin (else it is asked for at the terminal)' }),
    ),
  examples: [
    ['overlay login 127.0.0.1:5000 -u ada --password-stdin <pw.txt', 'the password from a file or pipe, never an argument'],
    ['overlay login 127.0.0.1:5000', 'asks for the user name and the password (not echoed)'],
  ],
  async run(ctx) {
    const registry = ctx.str('registry');
    const fromStdin = ctx.flag('password-stdin');
    // As `docker login`: asked at the terminal when not given, the password with echo off.
    const prompt = ctx.io.stdinIsTTY ? ctx.io.prompt : undefined;
    if (!fromStdin && prompt === undefined) throw new UsageError('login needs a password: pipe it to --password-stdin (stdin is not a terminal to ask on; a password is never taken on the command line)');
    let username = ctx.optStr('username') ?? '';
    if (username === '' && (fromStdin || prompt === undefined)) throw new UsageError('login needs -u USER with --password-stdin');
    if (username === '') username = (await prompt!('Username: ', false)).trim();
    if (username === '') throw new UsageError('login needs a user name');
    let password: string;
    if (fromStdin) {
      if (ctx.io.stdinChunks === undefined) throw new UsageError('login reads the password from stdin: --password-stdin (it is never taken on the command line)');
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of ctx.io.stdinChunks()) text += decoder.decode(chunk, { stream: true });
      password = text.replace(/\r?\n$/, '');
      if (password === '') throw new UsageError('no password on stdin');
    } else {
      password = await prompt!('Password: ', true);
      if (password === '') throw new UsageError('login needs a password');
    }
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
