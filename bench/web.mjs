/**
 * The page's budget (issue 14): its JS gzipped (terminal included), what loads before the first
 * render, and its first render in Debian's chromium: from navigation start to the views drawn
 * from the page's store (the `overlay:first-render` mark of src/web/main.ts), and to the page
 * being ready (terminal and the CLI's commands loaded, `overlay:ready`). Each visit is a fresh
 * browser context (an empty IndexedDB, no cache); the median of the visits is the figure.
 * Section 10 of `npm run bench` (BENCH_ONLY=web), or alone: `node bench/web.mjs` after
 * `npm run build`.
 */
import { gzipSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticChunks } from '../scripts/web-build.mjs';

const ROOT = join(import.meta.dirname, '..');
const WEB = join(ROOT, 'dist', 'web');
const CHROMIUM = '/usr/bin/chromium';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gz = (file) => gzipSync(readFileSync(join(ROOT, file)), { level: 9 }).length;

/** Sizes of the built page: all its JS, and the JS loaded before the first render (gzip -9). */
export function pageSizes() {
  const meta = JSON.parse(readFileSync(join(WEB, 'meta.json'), 'utf8'));
  const js = Object.keys(meta.outputs).filter((f) => f.endsWith('.js'));
  const initial = ['dist/web/page.js', ...staticChunks(meta, 'dist/web/page.js')];
  const sum = (files) => files.reduce((n, f) => n + gz(f), 0);
  return { jsGzipBytes: sum(js), initialJsGzipBytes: sum(initial), cssGzipBytes: gz('dist/web/style.css') };
}

/** First render and ready times (ms from navigation start) of `visits` fresh visits to `hash`. */
export async function firstRender({ visits = 7, hash = '' } = {}) {
  const { chromium } = await import('playwright-core');
  const { serveWeb } = await import('../dist/cli/webServer.js');
  const { url, server } = await serveWeb(WEB, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const runs = [];
  try {
    for (let i = 0; i < visits; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(url + hash);
      await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
      runs.push(
        await page.evaluate(() => {
          const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
          return { fcp: at('first-contentful-paint'), firstRender: at('overlay:first-render'), ready: at('overlay:ready') };
        }),
      );
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  const pick = (k) => runs.map((r) => Math.round(r[k]));
  return { visits, firstRenderMs: median(pick('firstRender')), readyMs: median(pick('ready')), fcpMs: median(pick('fcp')), firstRenderRunsMs: pick('firstRender') };
}

export async function runWeb() {
  const { section, table } = await import('./lib/report.mjs');
  section('10. the teaching page: JS size and first render in chromium (fresh visits, median)');
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: no ${CHROMIUM} (apt-get install chromium)`);
    return undefined;
  }
  const sizes = pageSizes();
  const free = await firstRender();
  const lesson = await firstRender({ visits: 3, hash: '#lesson=copy-up&step=4' });
  const kB = (n) => `${(n / 1000).toFixed(0)} kB`;
  table(
    ['what', 'measured'],
    [
      ['page JS, all of it, gzipped', kB(sizes.jsGzipBytes)],
      ['JS before the first render, gzipped', kB(sizes.initialJsGzipBytes)],
      ['first render (views drawn)', `${free.firstRenderMs} ms (runs: ${free.firstRenderRunsMs.join(', ')})`],
      ['ready (terminal and commands loaded)', `${free.readyMs} ms`],
      ['a lesson link at step 4: first render / ready', `${lesson.firstRenderMs} ms / ${lesson.readyMs} ms`],
    ],
  );
  return { ...sizes, ...free, lessonLink: lesson };
}

export function webTargets(web, targets) {
  if (web === undefined) return;
  targets.add('page JS gzipped (terminal included)', '400 kB', web.jsGzipBytes, web.jsGzipBytes <= 400_000, `${(web.jsGzipBytes / 1000).toFixed(0)} kB`);
  targets.add('page first render (chromium, fresh visit)', '1000 ms', web.firstRenderMs, web.firstRenderMs < 1000, `${web.firstRenderMs} ms`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify({ ...pageSizes(), ...(await firstRender()), lessonLink: await firstRender({ visits: 3, hash: '#lesson=copy-up&step=4' }) }, null, 2));
}
