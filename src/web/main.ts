/**
 * The teaching page: boots the store (IndexedDB) and draws the views first; the terminal
 * (xterm) and the CLI's commands are loaded right after, so the first render waits only for
 * the store and the views' code. Everything runs here, in the browser; nothing is sent anywhere.
 */
import { CWD } from './host/node.js';
import { putHostFile, registerStore } from './host/stores.js';
import { LESSONS } from './lessons.js';
import { openPersistedStore } from './persist.js';
import { STORE_DIR } from './pageStore.js';
import { App, loadSession, readUrl } from './ui/app.js';
import { byId, h } from './ui/dom.js';
import { TerminalSlot } from './ui/terminalSlot.js';
import { overlayArgv } from './ui/words.js';

/** Marks the boot's phases (bench/web.mjs reads them: overlay:first-render, overlay:ready). */
const mark = (name: string): void => void performance.mark(`overlay:${name}`);

async function boot(): Promise<void> {
  mark('start');
  const persisted = await openPersistedStore();
  mark('store');
  registerStore(STORE_DIR, persisted.backend);

  const term = new TerminalSlot();
  const app = new App(term, persisted.flush);
  const a = app;

  const lessonSelect = byId<HTMLSelectElement>('lesson');
  lessonSelect.append(h('option', { value: '' }, 'Free play (your own store)'), ...LESSONS.map((l) => h('option', { value: l.id }, l.title)));
  lessonSelect.addEventListener('change', () => void a.startLesson(lessonSelect.value === '' ? undefined : lessonSelect.value));
  byId('run-step').addEventListener('click', () => void a.runStep());
  byId('step-back').addEventListener('click', () => void a.stepBack());
  byId('take-over').addEventListener('click', () => {
    term.focus();
    byId('last-status').textContent = 'The terminal is yours: type overlay commands (the lesson\'s store stays as it is).';
  });
  byId<HTMLSelectElement>('target').addEventListener('change', (e) => void a.setTarget((e.target as HTMLSelectElement).value));
  const slider = byId<HTMLInputElement>('slider');
  slider.addEventListener('input', () => void a.setAt(Number(slider.value) >= Number(slider.max) ? undefined : Number(slider.value)));
  byId('reset').addEventListener('click', async () => {
    await persisted.clear();
    location.hash = '';
    location.reload();
  });
  byId('analyze').addEventListener('click', () => void analyze(a.state.target));
  for (const id of ['sw-redirect', 'sw-index', 'sw-metacopy']) byId(id).addEventListener('change', () => void a.drawSwitches());

  async function analyze(target: string | undefined): Promise<void> {
    const out = byId('analysis');
    if (target === undefined) return void (out.textContent = 'Nothing to analyse yet.');
    const result = await a.command(['analyze', target], `overlay analyze ${target}`);
    out.textContent = `$ overlay analyze ${target}\n${result.code === 0 ? result.stdout : result.stderr}`;
  }

  // Bring your own image: a docker save or OCI layout tar (gzip or not), read here, loaded
  // with the CLI's `load` from the page's host (src/web/host), and analysed.
  const status = byId('drop-status');
  async function dropped(file: File): Promise<void> {
    status.className = '';
    status.textContent = `Reading ${file.name} (${file.size} bytes) in this page…`;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const name = file.name.replace(/[^\w.+-]/g, '_') || 'image.tar';
    putHostFile(`${CWD}/${name}`, bytes);
    term.echoCommand(`overlay load ${name}`);
    const result = await a.command(['load', name], `overlay load ${name}`);
    if (result.code !== 0) {
      status.className = 'error';
      status.textContent = `Not loaded: ${result.stderr.replace(/^overlay: (load: )?/, '').trim()} Nothing was changed.`;
      return;
    }
    const loaded = /Loaded image: (\S+)/.exec(result.stdout)?.[1] ?? /Loaded image ID: (\S+)/.exec(result.stdout)?.[1];
    status.textContent = `Loaded ${loaded ?? 'the image'} from ${file.name}. Browse it in the tree; its analysis is below.`;
    if (loaded !== undefined) {
      await a.setTarget(loaded);
      await analyze(loaded);
    }
  }
  const zone = byId('drop-zone');
  for (const type of ['dragenter', 'dragover']) zone.addEventListener(type, (e) => (e.preventDefault(), zone.classList.add('over')));
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = (e as DragEvent).dataTransfer?.files[0];
    if (file !== undefined) void dropped(file);
  });
  // A file dropped anywhere else must not navigate away from the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  byId<HTMLInputElement>('file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file !== undefined) void dropped(file);
  });

  // First render: the lesson panel and the views of the store as it is (a lesson link's steps
  // are replayed below, once the CLI is loaded).
  const initial = readUrl(location.hash);
  await a.startLesson(initial.lesson, 0);
  if (initial.step === 0) await restoreView(initial);
  mark('first-render');
  document.body.dataset['rendered'] = 'true';

  // Only now the xterm and CLI chunks: loaded (and compiled) earlier, they competed with the
  // first render for the main thread on a busy machine.
  void loadSession();
  const { createTerminal } = await import('./ui/terminal.js');
  term.attach(
    createTerminal(byId('terminal'), async (line) => {
      let argv: string[];
      try {
        argv = overlayArgv(line);
      } catch (e) {
        term.print(`\x1b[31moverlay: ${(e as Error).message}\x1b[0m\r\n`);
        return;
      }
      if (argv.length === 0) return;
      if (argv[0] === 'help') argv = ['--help'];
      if (argv[0] === 'clear') return term.clear();
      await a.command(argv, line);
    }),
  );
  new ResizeObserver(() => term.fit()).observe(byId('terminal'));
  new ResizeObserver(() => a.keepStepInSight()).observe(byId('lesson-steps'));
  term.fit();
  term.print('\x1b[1moverlay\x1b[0m: the CLI\'s commands, run in this page. Try: images, ps, stack web, explain web /etc/motd, help\r\n');
  await loadSession();
  if (initial.lesson !== undefined && initial.step > 0) {
    await a.replayTo(initial.step);
    await restoreView(initial);
  }
  term.prompt();
  mark('ready');
  document.body.dataset['ready'] = 'true';
  (globalThis as { overlayPage?: App }).overlayPage = a;

  async function restoreView(state: ReturnType<typeof readUrl>): Promise<void> {
    if (state.target !== undefined) a.state.target = state.target;
    if (state.at !== undefined) a.state.at = state.at;
    if (state.path !== undefined) await a.choosePath(state.path, false);
    else await a.refresh();
  }
}

boot().catch((error: unknown) => {
  const box = document.getElementById('boot-error');
  if (box !== null) box.textContent = `The page could not start: ${(error as Error).message}`;
  throw error;
});
