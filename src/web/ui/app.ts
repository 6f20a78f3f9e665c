/**
 * The page's controller: which store and view are shown (the page's own store, or a lesson's),
 * the lesson player (run a step, step back, take over), the time-travel slider (IMAGE@N), the
 * selected path, and the URL that holds them all, so any state can be shared as a link.
 */
import { openView, type View } from '../../app/index.js';
import { historyRows } from '../../image/index.js';
import { memoryBackend } from '../../store/index.js';
import { CWD } from '../host/node.js';
import { putHostFile, registerStore, removeHostFiles } from '../host/stores.js';
import { LESSONS, stepLine, type Lesson } from '../lessons.js';
import { openStore, STORE_DIR } from '../pageStore.js';
import type { CommandResult } from '../session.js';
import { byId, h } from './dom.js';
import type { PageTerminal } from './terminalSlot.js';
import { runSwitches, type Switches } from './switches.js';
import { children, contentText, drawStack, layerClass, layerTag } from './views.js';

export interface PageState {
  lesson?: string;
  step: number;
  target?: string;
  /** Slider: the view after this layer (IMAGE@N); undefined = the whole view. */
  at?: number;
  path?: string;
}

export function readUrl(hash: string): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const num = (k: string): number | undefined => (q.get(k) !== null && /^\d+$/.test(q.get(k)!) ? Number(q.get(k)) : undefined);
  const state: PageState = { step: num('step') ?? 0 };
  const lesson = q.get('lesson');
  if (lesson !== null && LESSONS.some((l) => l.id === lesson)) state.lesson = lesson;
  if (q.get('target')) state.target = q.get('target')!;
  const at = num('at');
  if (at !== undefined) state.at = at;
  if (q.get('path')?.startsWith('/')) state.path = q.get('path')!;
  return state;
}

export function writeUrl(state: PageState): string {
  const q = new URLSearchParams();
  if (state.lesson !== undefined) q.set('lesson', state.lesson), q.set('step', String(state.step));
  if (state.target !== undefined) q.set('target', state.target);
  if (state.at !== undefined) q.set('at', String(state.at));
  if (state.path !== undefined) q.set('path', state.path);
  return `#${q.toString()}`;
}

const lessonDir = (id: string): string => `/home/learner/lessons/${id}`;

/**
 * Colours the build's verdicts, with the words kept (colours have text equivalents): a step
 * that missed the cache (BuildKit's CACHE MISS line with its reason, --what-if's REBUILD) in
 * yellow, a cached one in green.
 */
function highlight(text: string): string {
  return text.replace(/^.*$/gm, (line) => (/CACHE MISS|^REBUILD/.test(line) ? `\x1b[1;33m${line}\x1b[0m` : /#\d+ CACHED$|^cached /.test(line) ? `\x1b[32m${line}\x1b[0m` : line));
}

/** The CLI's commands (./session.ts), loaded on first use: the first render does without them. */
let session: Promise<typeof import('../session.js')> | undefined;
export const loadSession = (): Promise<typeof import('../session.js')> => (session ??= import('../session.js'));

export class App {
  state: PageState = { step: 0 };
  readonly #term: PageTerminal;
  readonly #flush: () => Promise<void>;
  #expanded = new Set<string>(['/']);
  #busy: Promise<unknown> = Promise.resolve();

  constructor(term: PageTerminal, flush: () => Promise<void>) {
    this.#term = term;
    this.#flush = flush;
  }

  get storeDir(): string {
    return this.state.lesson === undefined ? STORE_DIR : lessonDir(this.state.lesson);
  }

  get lesson(): Lesson | undefined {
    return LESSONS.find((l) => l.id === this.state.lesson);
  }

  /** Runs one command line on the current store, prints it and its output, and redraws. */
  async command(argv: readonly string[], shown: string, stdin?: Uint8Array): Promise<CommandResult> {
    const { runCommand } = await loadSession();
    const result = await this.#serial(() => runCommand(argv, { storeDir: this.storeDir, ...(stdin === undefined ? {} : { stdin }) }));
    this.#term.print(highlight(result.stdout) + (result.stderr === '' ? '' : result.code === 0 ? highlight(result.stderr) : `\x1b[31m${result.stderr}\x1b[0m`));
    if (this.state.lesson === undefined) await this.#flush();
    byId('last-status').textContent = result.code === 0 ? `✓ ${shown}` : `✗ exit ${result.code}: ${shown}: ${result.stderr.split('\n')[0] ?? ''}`;
    await this.refresh();
    return result;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#busy.then(fn, fn);
    this.#busy = next.catch(() => undefined);
    return next;
  }

  /** Starts a lesson (a fresh store of its own) and replays it up to `step`. */
  async startLesson(id: string | undefined, step = 0): Promise<void> {
    this.state = { step: 0 };
    if (id !== undefined) this.state.lesson = id;
    this.#expanded = new Set(['/']);
    if (id !== undefined) registerStore(lessonDir(id), memoryBackend());
    const lesson = this.lesson;
    const encoder = new TextEncoder();
    const files = Object.entries(lesson?.files ?? {});
    // The context as the lesson starts, whatever earlier steps edited.
    for (const top of new Set(files.map(([path]) => path.split('/')[0]!))) removeHostFiles(`${CWD}/${top}`);
    for (const [path, text] of files) putHostFile(`${CWD}/${path}`, encoder.encode(text));
    this.#term.print(`\r\n\x1b[1;36m# ${lesson === undefined ? 'Free play: your own store, kept in this browser' : `Lesson: ${lesson.title}`}\x1b[0m\r\n`);
    await this.replayTo(step);
  }

  /** Runs the lesson's steps up to `step` (a link's state, or step back). */
  async replayTo(step: number): Promise<void> {
    while (this.state.step < Math.min(step, this.lesson?.steps.length ?? 0)) await this.runStep(false);
    this.drawLesson();
    await this.refresh();
  }

  /** Runs the lesson's next step. */
  async runStep(redraw = true): Promise<void> {
    const lesson = this.lesson;
    if (lesson === undefined || this.state.step >= lesson.steps.length) return;
    const s = lesson.steps[this.state.step]!;
    this.#term.print(`\x1b[2m# ${s.say}\x1b[0m\r\n`);
    if (s.show !== undefined) this.#term.print(`\x1b[36m${s.show}\x1b[0m`);
    this.#term.echoCommand(stepLine(s));
    this.state.step++;
    if (s.target !== undefined) this.state.target = s.target;
    if (s.select !== undefined) this.#select(s.select);
    delete this.state.at;
    if (s.edit !== undefined) {
      for (const [path, text] of Object.entries(s.edit.files)) putHostFile(`${CWD}/${path}`, new TextEncoder().encode(text));
      byId('last-status').textContent = `✓ ${stepLine(s)}`;
      await this.refresh();
    } else await this.command(s.argv, stepLine(s), s.stdin?.bytes());
    if (redraw) this.drawLesson();
  }

  /** Undoes the last step: the lesson's store is made again and replayed one step less. */
  async stepBack(): Promise<void> {
    if (this.lesson === undefined || this.state.step === 0) return;
    const { path } = this.state;
    await this.startLesson(this.lesson.id, this.state.step - 1);
    if (path !== undefined) this.#select(path);
    await this.refresh();
  }

  drawLesson(): void {
    const lesson = this.lesson;
    const list = byId('lesson-steps');
    list.replaceChildren();
    byId('lesson-intro').textContent = lesson?.intro ?? 'Free play: type overlay commands in the terminal (try "help"), or pick a lesson. Your store is kept in this browser across reloads.';
    byId<HTMLSelectElement>('lesson').value = lesson?.id ?? '';
    for (const [i, s] of (lesson?.steps ?? []).entries()) {
      const state = i < this.state.step ? 'done' : i === this.state.step ? 'next' : 'todo';
      list.append(h('li', { class: state, 'aria-current': state === 'next' ? 'step' : undefined }, h('span', { class: 'visually-hidden' }, `${state === 'done' ? 'done' : state === 'next' ? 'next' : 'to do'}: `), h('span', { class: 'say' }, s.say), h('code', {}, stepLine(s))));
    }
    this.keepStepInSight();
    const steps = lesson?.steps.length ?? 0;
    byId<HTMLButtonElement>('run-step').disabled = lesson === undefined || this.state.step >= steps;
    byId<HTMLButtonElement>('step-back').disabled = lesson === undefined || this.state.step === 0;
    byId('step-count').textContent = lesson === undefined ? '' : `step ${this.state.step} of ${steps}`;
    byId('switches').hidden = lesson?.id !== 'switches';
  }

  /** The step list scrolls: the step to run next (or the last one) is kept in sight, not cut at its edge (also on resize: main.ts). */
  keepStepInSight(): void {
    const list = byId('lesson-steps');
    const current = (list.querySelector('li.next') ?? list.lastElementChild) as HTMLElement | null;
    if (current !== null) list.scrollTop = Math.max(0, current.offsetTop + current.offsetHeight - list.clientHeight + 8);
  }

  /** The switches panel: the lesson's operations on a fresh mount of its base image, all off and as ticked. */
  async drawSwitches(): Promise<void> {
    const box = (id: string): HTMLInputElement => byId<HTMLInputElement>(id);
    // metacopy=on turns redirect_dir on (overlayfs.rst, "Metadata only copy up").
    box('sw-redirect').disabled = box('sw-metacopy').checked;
    if (box('sw-metacopy').checked) box('sw-redirect').checked = true;
    const switches: Switches = { redirectDir: box('sw-redirect').checked, index: box('sw-index').checked, metacopy: box('sw-metacopy').checked };
    const body = byId('switch-outcomes').querySelector('tbody')!;
    const store = await openStore(this.storeDir);
    const base = store.images().find((i) => i.names.includes('demo/os:1.0'));
    if (base === undefined) return void body.replaceChildren(h('tr', {}, h('td', { colspan: 3 }, 'Run the lesson\'s first step (the import) first.')));
    const { lowers } = await openView(store, 'demo/os:1.0');
    const off = runSwitches(lowers, { redirectDir: false, index: false, metacopy: false });
    const on = runSwitches(lowers, switches);
    body.replaceChildren(
      ...off.flatMap((o, i) => {
        const same = on[i]!.did === o.did;
        return [h('tr', {}, h('th', { colspan: 2, scope: 'colgroup' }, h('code', {}, `overlay ${o.op}`))), h('tr', {}, h('td', {}, o.did), h('td', { class: same ? '' : 'differs' }, same ? `${o.did} (the same)` : `≠ ${on[i]!.did}`))];
      }),
    );
  }

  #select(path: string): void {
    this.state.path = path;
    let dir = path;
    while (dir !== '/' && dir !== '') {
      dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
      this.#expanded.add(dir);
    }
  }

  /** Redraws the views from the store, and the URL. */
  async refresh(): Promise<void> {
    const store = await openStore(this.storeDir);
    const containers = await store.containers();
    const images = store.images();
    const targets = [...containers.map((c) => ({ value: c.name, label: `container ${c.name}` })), ...images.map((i) => ({ value: i.names[0] ?? i.id, label: `image ${i.names[0] ?? i.id.slice(7, 19)}` }))];
    if (this.state.target === undefined || !targets.some((t) => t.value === this.state.target)) {
      const target = targets[0]?.value;
      if (target === undefined) delete this.state.target;
      else this.state.target = target;
    }
    const select = byId<HTMLSelectElement>('target');
    select.replaceChildren(...targets.map((t) => h('option', { value: t.value }, t.label)));
    if (this.state.target !== undefined) select.value = this.state.target;
    let view: View | undefined;
    let whole: View | undefined;
    let error: string | undefined;
    if (this.state.target !== undefined) {
      whole = await openView(store, this.state.target);
      const layers = whole.lowers.length;
      const top = whole.container === undefined ? layers - 1 : layers;
      if (this.state.at !== undefined && this.state.at >= top) delete this.state.at;
      const ref = whole.image.names[0] ?? whole.image.id;
      try {
        view = this.state.at === undefined ? whole : await openView(store, `${ref}@${this.state.at}`);
      } catch (e) {
        error = (e as Error).message;
      }
      this.#drawSlider(whole, top);
    } else {
      this.#drawSlider(undefined, 0);
    }
    store.close();
    byId('stack').replaceChildren(view === undefined ? h('p', {}, error ?? 'No image yet: run a lesson step, type "import demo-os.tar base", or drop an image archive.') : drawStack(view));
    this.#drawTree(view);
    await this.#drawDetail(view);
    if (this.state.lesson === 'switches') await this.drawSwitches();
    history.replaceState(null, '', writeUrl(this.state));
  }

  #drawSlider(view: View | undefined, top: number): void {
    const slider = byId<HTMLInputElement>('slider');
    slider.max = String(top);
    slider.disabled = view === undefined || top === 0;
    slider.value = String(this.state.at ?? top);
    const label = byId('slider-label');
    if (view === undefined) return void (label.textContent = '');
    const at = this.state.at ?? top;
    if (at === view.lowers.length) label.textContent = `the whole view: ${view.lowers.length} image layers + the container's writable layer`;
    else {
      const row = historyRows(view.image.config).find((r) => r.layerIndex === at);
      label.textContent = `after layer ${at} of ${view.lowers.length}${at === top ? ' (the whole image)' : ` (${view.image.names[0] ?? 'image'}@${at})`}: ${row?.createdBy ?? ''}`;
    }
  }

  async setAt(at: number | undefined): Promise<void> {
    if (at === undefined) delete this.state.at;
    else this.state.at = at;
    await this.refresh();
  }

  async setTarget(target: string): Promise<void> {
    this.state.target = target;
    delete this.state.at;
    await this.refresh();
  }

  async choosePath(path: string, isDir: boolean): Promise<void> {
    this.#select(path);
    if (isDir) {
      if (this.#expanded.has(path) && path !== '/') this.#expanded.delete(path);
      else this.#expanded.add(path);
    }
    await this.refresh();
    (document.querySelector(`#tree [data-path="${CSS.escape(path)}"]`) as HTMLElement | null)?.focus();
  }

  #drawTree(view: View | undefined): void {
    const tree = byId('tree');
    if (view === undefined) return void tree.replaceChildren();
    const branch = (dir: string): HTMLElement => {
      const ul = h('ul', { role: dir === '/' ? 'tree' : 'group', 'aria-label': dir === '/' ? 'the merged view' : undefined });
      for (const e of children(view, dir)) {
        const isDir = e.kind === 'dir' || e.kind === 'opaque dir';
        const open = isDir && this.#expanded.has(e.path);
        const marks = [e.copiedUp ? 'copied up' : '', e.hiddenBy !== undefined ? `hidden by ${e.hiddenBy}` : ''].filter((m) => m !== '');
        const button = h(
          'button',
          { class: `entry ${e.provider === undefined ? 'hidden' : layerClass(e.provider)}${this.state.path === e.path ? ' selected' : ''}`, 'data-path': e.path, role: 'treeitem', 'aria-expanded': isDir && e.hiddenBy === undefined ? String(open) : undefined, 'aria-selected': String(this.state.path === e.path), onclick: () => void this.choosePath(e.path, isDir && e.hiddenBy === undefined) },
          h('span', { class: 'tag' }, e.provider === undefined ? '--' : layerTag(e.provider)),
          ' ',
          h('span', { class: 'name' }, `${e.name}${isDir ? '/' : e.kind === 'symlink' ? '@' : ''}`),
          ...marks.map((m) => h('span', { class: `mark ${m.startsWith('copied') ? 'copied' : 'hid'}` }, m)),
        );
        const li = h('li', {}, button);
        if (open && e.hiddenBy === undefined) li.append(branch(e.path));
        ul.append(li);
      }
      return ul;
    };
    tree.replaceChildren(branch('/'));
  }

  async #drawDetail(view: View | undefined): Promise<void> {
    const path = this.state.path;
    byId('detail-title').textContent = path === undefined ? 'Click a path' : path;
    const explain = byId('explain');
    const content = byId('content');
    if (view === undefined || path === undefined) {
      explain.textContent = 'Choose a path in the tree to see which layer provides it, and what hides what.';
      content.textContent = '';
      return;
    }
    const { explainText } = await loadSession();
    explain.textContent = `$ overlay explain ${this.state.target}${this.state.at === undefined ? '' : `@${this.state.at}`} ${path}\n${explainText(view, path)}`;
    try {
      const st = view.overlay.fs.statSync(path);
      if (st.isFile()) {
        const shown = contentText(view.overlay.fs.readFileSync(path) as Uint8Array);
        byId('content-title').textContent = shown.binary ? `content (${st.size} bytes, binary: hex)` : `content (${st.size} bytes)`;
        content.textContent = shown.text;
      } else {
        byId('content-title').textContent = 'content';
        content.textContent = st.isDirectory() ? '(a directory)' : '';
      }
    } catch (e) {
      byId('content-title').textContent = 'content';
      content.textContent = `(${(e as Error).message})`;
    }
  }
}
