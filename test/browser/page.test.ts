/**
 * The teaching page in a real browser (Debian's chromium through playwright-core; .ci/run
 * installs it, nothing downloads a browser): lessons clicked through, commands compared with
 * the CLI's output for the same commands, a reload keeping IndexedDB, bad input, no console
 * errors, and screenshots of each lesson at 1280 and 375 px in test-output/page/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWeb, type WebServer } from '../../src/cli/webServer.js';
import { DEMO_EPOCH, DEMO_PLATFORM, OS_TAR, demoOsTar } from '../../src/cli/index.js';
import { LESSONS } from '../../src/web/lessons.js';
import { BIN, ROOT, ensureBuilt, hasTool } from '../e2e/helpers.js';

const SHOTS = join(ROOT, 'test-output', 'page');
let server: WebServer;
let browser: Browser;
const errors: string[] = [];

async function open(hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}${hash}`);
  await page.waitForSelector('body[data-ready=true]');
  return page;
}

/** Runs a command line through the page's terminal path (the CLI's run over the page's store). */
function pageRun(page: Page, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return page.evaluate(async (a) => {
    const app = (globalThis as unknown as { overlayPage: { command(argv: string[], shown: string): Promise<{ code: number; stdout: string; stderr: string }> } }).overlayPage;
    const r = await app.command(a, a.join(' '));
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }, argv);
}

/** Drops a file on the page's drop zone, as a drag from the desktop does (a DataTransfer with one File). */
async function drop(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ name, b64 }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type: 'application/x-tar' }));
      document.querySelector('#drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    },
    { name, b64: bytes.toString('base64') },
  );
}

/**
 * A real docker-archive: a two-layer image made by the CLI (the demo OS; then a new /etc/motd
 * and /bin/ls deleted), saved, and written by skopeo in docker save's legacy form
 * (<id>/layer.tar, manifest.json, repositories). Without skopeo, the CLI's own save (the
 * Docker 25+ form docker load reads).
 */
function dockerArchive(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-page-archive-'));
  writeFileSync(join(dir, OS_TAR), demoOsTar(DEMO_EPOCH * 1000));
  const env = { ...process.env, OVERLAY_STORE: join(dir, 'store'), SOURCE_DATE_EPOCH: String(DEMO_EPOCH), OVERLAY_PLATFORM: DEMO_PLATFORM };
  const cli = (...argv: string[]): string => execFileSync('node', [BIN, ...argv], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  cli('import', OS_TAR, 'base:1');
  cli('create', 'base:1', '--name', 'c');
  cli('write', 'c', '/etc/motd', 'from a dropped image\n');
  cli('rm', 'c', '/bin/ls');
  cli('commit', 'c', 'team/app:1.0', '-m', 'motd, no ls');
  cli('save', 'team/app:1.0', '-o', 'save.tar');
  if (!hasTool('skopeo')) return readFileSync(join(dir, 'save.tar'));
  execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', `oci-archive:${join(dir, 'save.tar')}:team/app:1.0`, `docker-archive:${join(dir, 'docker.tar')}:team/app:1.0`], { stdio: 'ignore' });
  return readFileSync(join(dir, 'docker.tar'));
}

beforeAll(async () => {
  await ensureBuilt();
  execFileSync('node', ['scripts/web-build.mjs'], { cwd: ROOT });
  server = await serveWeb(join(ROOT, 'dist', 'web'), 0);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.server.close();
});

describe('the teaching page', () => {
  it('runs every lesson through, with screenshots at 1280 and 375 px', async () => {
    const page = await open();
    for (const lesson of LESSONS) {
      await page.selectOption('#lesson', lesson.id);
      await page.waitForFunction((id) => location.hash.includes(`lesson=${id}`), lesson.id);
      for (let i = 0; i < lesson.steps.length; i++) {
        await page.click('#run-step');
        await page.waitForFunction((n) => document.querySelector('#step-count')?.textContent?.startsWith(`step ${n} `) && document.querySelector('#last-status')?.textContent?.startsWith('✓'), i + 1);
      }
      expect(await page.textContent('#last-status'), lesson.id).toMatch(/^✓/);
      if (lesson.id === 'switches') {
        // The panel: all off is what the lesson's CLI steps did; each switch changes one outcome.
        await page.waitForFunction(() => document.querySelectorAll('#switch-outcomes td').length === 6);
        expect(await page.locator('#switch-outcomes td.differs').count()).toBe(0);
        await page.check('#sw-index');
        await page.waitForFunction(() => document.querySelectorAll('#switch-outcomes td.differs').length === 1);
        expect(await page.textContent('#switch-outcomes td.differs')).toContain('/etc/passwd.bak shows the new line');
        await page.check('#sw-metacopy');
        await page.waitForFunction(() => document.querySelectorAll('#switch-outcomes td.differs').length === 3);
        expect(await page.isChecked('#sw-redirect')).toBe(true);
      }
      if (lesson.id === 'build-cache') {
        // The last rebuild of bad/ missed at COPY . . for the edit, and ran the install again.
        const out = await pageRun(page, ['build', '--what-if', 'src/app.js', 'bad']);
        expect(out.stdout).toMatch(/^REBUILD .*COPY \. \./m);
        expect(out.stdout).toMatch(/^REBUILD .*RUN mkdir -p node_modules/m);
        expect((await pageRun(page, ['build', '--what-if', 'src/app.js', 'good'])).stdout).toMatch(/^cached .*RUN mkdir -p node_modules/m);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: join(SHOTS, `${lesson.id}-1280.png`), fullPage: true });
      await page.setViewportSize({ width: 375, height: 800 });
      await page.screenshot({ path: join(SHOTS, `${lesson.id}-375.png`), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    // Step back replays the lesson one step less.
    await page.click('#step-back');
    const last = LESSONS[LESSONS.length - 1]!.steps.length;
    await page.waitForFunction((n) => document.querySelector('#step-count')?.textContent?.startsWith(`step ${n} `) === true, last - 1);
    await page.close();
  });

  it('prints what the CLI prints for the same commands, digests included', async () => {
    const page = await open('#lesson=copy-up&step=0');
    const dir = mkdtempSync(join(tmpdir(), 'overlay-page-'));
    writeFileSync(join(dir, OS_TAR), demoOsTar(DEMO_EPOCH * 1000));
    const env = { ...process.env, OVERLAY_STORE: join(dir, 'store'), SOURCE_DATE_EPOCH: String(DEMO_EPOCH), OVERLAY_PLATFORM: DEMO_PLATFORM };
    // The layer blobs are gzipped in the page with the CLI's blocks and zlib's bytes (pako 3,
    // src/web/host/gzip.ts), so blob and manifest digests agree too: images --digests, inspect.
    const commands = [['import', OS_TAR, 'demo/os:1.0'], ['create', 'demo/os:1.0', '--name', 'web'], ['append', 'web', '/etc/motd', 'hi\n'], ['rm', 'web', '/bin/ls'], ['diff', 'web'], ['explain', 'web', '/etc/motd'], ['stack', 'web'], ['commit', 'web', 'app:1'], ['history', 'app:1'], ['ls', 'app:1@0', '/etc'], ['images', '--digests'], ['layers'], ['inspect', 'app:1']];
    for (const argv of commands) {
      const inPage = await pageRun(page, argv);
      let cli = '';
      try {
        cli = execFileSync('node', [BIN, ...argv], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        cli = `failed: ${(e as { stderr: string }).stderr}`;
      }
      expect(inPage.stdout, argv.join(' ')).toBe(cli);
    }
    expect((await pageRun(page, ['images', '--digests'])).stdout).toMatch(/sha256:[0-9a-f]{64}/);
    await page.close();
  });

  it('browses a dropped docker-archive (stack, tree, time travel, analysis); a truncated one changes nothing', async () => {
    const archive = dockerArchive();
    const page = await open('#');
    const before = (await pageRun(page, ['images'])).stdout;
    // Cut inside a layer: a clear message on the page, and the store as it was.
    await drop(page, 'cut.tar', archive.subarray(0, Math.floor(archive.length * 0.6)));
    await page.waitForSelector('#drop-status.error');
    expect(await page.textContent('#drop-status')).toMatch(/^Not loaded: .*cut short.*Nothing was changed\.$/);
    expect((await pageRun(page, ['images'])).stdout).toBe(before);

    await drop(page, 'docker.tar', archive);
    await page.waitForFunction(() => document.querySelector('#drop-status')?.textContent?.startsWith('Loaded team/app:1.0'));
    await page.waitForFunction(() => document.querySelector('#analysis')?.textContent?.includes('overlay analyze team/app:1.0'));
    expect(await page.inputValue('#target')).toBe('team/app:1.0');
    expect(await page.locator('#stack li.box').count()).toBe(2);
    expect(await page.textContent('#stack')).toContain('/bin/ls');

    // The whole image: /bin/ls is hidden by layer 1's whiteout; the tree lists what ls lists.
    await page.click('#tree [data-path="/bin"]');
    await page.waitForSelector('#tree [data-path="/bin/ls"].hidden');
    const shown = async (): Promise<string> => (await page.locator('#tree [data-path^="/bin/"]:not(.hidden) .name').allTextContents()).join('\n');
    expect(await shown()).toBe((await pageRun(page, ['ls', 'team/app:1.0', '/bin'])).stdout.trim());
    expect(await page.inputValue('#slider')).toBe('1');

    // Time travel: after layer 0 the file is there again, from layer 0, and the URL says so.
    await page.locator('#slider').fill('0');
    await page.waitForFunction(() => document.querySelector('#slider-label')?.textContent?.startsWith('after layer 0 of 2'));
    await page.waitForSelector('#tree [data-path="/bin/ls"]:not(.hidden)');
    expect(await page.textContent('#tree [data-path="/bin/ls"] .tag')).toBe('L0');
    expect(await shown()).toBe((await pageRun(page, ['ls', 'team/app:1.0@0', '/bin'])).stdout.trim());
    expect(page.url()).toContain('at=0');
    await page.click('#tree [data-path="/bin/ls"]');
    await page.waitForFunction(() => document.querySelector('#explain')?.textContent?.startsWith('$ overlay explain team/app:1.0@0 /bin/ls'));
    expect(await page.textContent('#explain')).toBe(`$ overlay explain team/app:1.0@0 /bin/ls\n${(await pageRun(page, ['explain', 'team/app:1.0@0', '/bin/ls'])).stdout}`);
    // And back to the whole image.
    await page.locator('#slider').fill('1');
    await page.waitForSelector('#tree [data-path="/bin/ls"].hidden');
    await page.close();
  });

  it('works with the keyboard alone: Tab reaches a tree entry, Enter explains it, and Tab leaves the terminal', async () => {
    const page = await open('#');
    await pageRun(page, ['import', OS_TAR, 'keys:1']);
    await page.evaluate(() => (location.hash = '#target=keys:1'));
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    await page.waitForSelector('#tree [role=treeitem]');
    const focused = (): Promise<{ role: string | null; path: string | null; inTerminal: boolean }> =>
      page.evaluate(() => {
        const a = document.activeElement;
        return { role: a?.getAttribute('role') ?? null, path: a?.getAttribute('data-path') ?? null, inTerminal: Boolean(a?.closest('.xterm')) };
      });
    const visited: boolean[] = [];
    let at = await focused();
    for (let i = 0; i < 120 && at.role !== 'treeitem'; i++) {
      await page.keyboard.press('Tab');
      at = await focused();
      visited.push(at.inTerminal);
    }
    expect(visited.some((v) => v)).toBe(true); // the terminal is on the way
    expect(at.role).toBe('treeitem'); // and Tab got past it
    await page.keyboard.press('Enter');
    await page.waitForFunction((p) => document.querySelector('#detail-title')?.textContent === p, at.path);
    expect(await page.textContent('#explain')).toContain(`overlay explain`);
    await page.close();
  });

  it('keeps its store across a reload (IndexedDB), and says what went wrong on bad input', async () => {
    const page = await open('#');
    await pageRun(page, ['import', OS_TAR, 'kept:1']);
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    expect((await pageRun(page, ['images', '-q'])).stdout.trim()).not.toBe('');
    const before = (await pageRun(page, ['images'])).stdout;
    const unknown = await pageRun(page, ['frobnicate']);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all\n'.repeat(40)) });
    await page.waitForSelector('#drop-status.error');
    expect(await page.textContent('#drop-status')).toMatch(/Not loaded: .*not a valid tar archive.*Nothing was changed/);
    expect((await pageRun(page, ['images'])).stdout).toBe(before);
    await page.close();
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
