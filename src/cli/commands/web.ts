import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';
import { serveWeb, webRoot } from '../webServer.js';
import type { CommandSpec } from './common.js';

/** The command that opens a URL in the desktop's browser. */
function opener(): string {
  if (process.platform === 'darwin') return 'open';
  if (process.platform === 'win32') return 'explorer';
  return 'xdg-open';
}

export const webCommand: CommandSpec = {
  command: 'web',
  describe: 'Serve the teaching page (the engine in your browser) on 127.0.0.1',
  builder: (y) =>
    y
      .option('port', { alias: 'p', type: 'string', describe: 'port to listen on (0: any free one)', default: '8080' })
      .option('open', { type: 'boolean', describe: 'open the page in a browser' }),
  examples: [['overlay web --port 9000 --open', 'serve on port 9000 and open a browser']],
  async run(ctx) {
    const given = ctx.optStr('port') ?? '8080';
    if (!/^\d+$/.test(given) || Number(given) > 65535) throw new UsageError(`--port must be a port number (0 to 65535), not ${JSON.stringify(given)}`);
    const { url, server } = await serveWeb(webRoot(), Number(given));
    ctx.out(`overlay web: the teaching page is at ${url} (nothing leaves this machine; Ctrl-C stops)`);
    if (ctx.flag('open')) {
      const child = spawn(opener(), [url], { detached: true, stdio: 'ignore' });
      child.on('error', () => ctx.warn(`could not open a browser: open ${url} yourself`));
      child.unref();
    }
    await new Promise<void>((done) => server.once('close', done));
  },
};
