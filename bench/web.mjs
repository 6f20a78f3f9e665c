/**
 * The page's budget (issue 14): its JS gzipped (terminal included) and its first render (from
 * navigation to the views drawn) in Debian's chromium. `node bench/web.mjs` after `npm run build`.
 */
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveWeb } from '../dist/cli/webServer.js';

const root = join(import.meta.dirname, '..', 'dist', 'web');
const js = readFileSync(join(root, 'page.js'));
const css = readFileSync(join(root, 'style.css'));
const { url, server } = await serveWeb(root, 0);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const times = [];
for (let i = 0; i < 3; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  times.push(Date.now() - t0);
  await context.close();
}
await browser.close();
server.close();
console.log(JSON.stringify({ jsGzipBytes: gzipSync(js, { level: 9 }).length, cssGzipBytes: gzipSync(css, { level: 9 }).length, firstRenderMs: times }, null, 2));
