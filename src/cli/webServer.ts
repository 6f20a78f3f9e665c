/**
 * `overlay web`'s server: the files of the built page (dist/web) over HTTP on 127.0.0.1, and
 * nothing else. The page runs wholly in the browser; the server never sees a command or an image.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../errors/index.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.tar': 'application/x-tar',
};

/** dist/web beside dist/cli (this file is dist/cli/webServer.js once built). */
export function webRoot(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'web');
}

export interface WebServer {
  url: string;
  server: Server;
}

/** Serves `root` on 127.0.0.1:`port` (0: any free port); resolves once it listens. */
export function serveWeb(root: string, port: number): Promise<WebServer> {
  if (!existsSync(join(root, 'index.html'))) {
    throw new DomainError('NotFoundError', `the page is not built (${root} has no index.html): run npm run web:build`, { root });
  }
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = resolve(root, `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`);
    const inside = file === root || file.startsWith(root + sep);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const body = readFileSync(file);
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  return new Promise((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      fail(error.code === 'EADDRINUSE' ? new DomainError('InvalidArgumentError', `port ${port} is in use: choose another with --port`, { port }) : error);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      done({ url: `http://127.0.0.1:${actual}/`, server });
    });
  });
}
