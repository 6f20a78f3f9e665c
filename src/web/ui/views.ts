/**
 * What the page draws of a view (a container, an image or `IMAGE@N`): the stack as boxes (the
 * data `overlay stack` prints: src/app/stack.ts), the merged tree coloured by the layer that
 * provides each entry, and a path's content (its `explain`, the CLI's own rendering, is
 * ../session.ts's explainText).
 */
import { explainPath, stackOf, type View } from '../../app/index.js';
import type { Layer } from '../../layer/index.js';
import type { LayerRef } from '../../overlay/index.js';
import { h } from './dom.js';

/** The short text that stands for a layer wherever its colour does: L0, L1, …, up. */
export const layerTag = (ref: LayerRef): string => (ref === 'upper' ? 'up' : `L${ref}`);
export const layerClass = (ref: LayerRef): string => (ref === 'upper' ? 'layer-up' : `layer-${ref % 8}`);

const MAX_LIST = 12;

function changeList(sign: string, label: string, paths: readonly string[]): HTMLElement | undefined {
  if (paths.length === 0) return undefined;
  const shown = paths.slice(0, MAX_LIST);
  return h(
    'ul',
    { class: `changes ${label}`, 'aria-label': `${label}: ${paths.length}` },
    ...shown.map((p) => h('li', {}, h('span', { class: 'sign', 'aria-hidden': 'true' }, sign), h('span', { class: 'visually-hidden' }, `${label} `), p)),
    paths.length > shown.length ? h('li', { class: 'more' }, `… and ${paths.length - shown.length} more`) : undefined,
  );
}

export function drawStack(view: View): HTMLElement {
  const stack = stackOf(view);
  const list = h('ol', { class: 'stack', 'aria-label': `${stack.heading}, top layer first` });
  for (const item of stack.items) {
    const c = item.changes;
    const counts = `${c.added.length} added, ${c.changed.length} changed, ${c.deleted.length} deleted${c.opaque.length > 0 ? `, ${c.opaque.length} opaque` : ''}`;
    list.append(
      h(
        'li',
        { class: `box ${layerClass(item.layer)}`, 'data-layer': String(item.layer) },
        h('div', { class: 'box-title' }, h('span', { class: 'tag' }, layerTag(item.layer)), ' ', item.title),
        h('div', { class: 'box-counts' }, counts, item.diffId === undefined ? '' : ` · ${item.diffId.slice(0, 19)}…`),
        changeList('+', 'added', c.added),
        changeList('~', 'changed', c.changed),
        changeList('-', 'deleted', c.deleted),
        changeList('▒', 'opaque', c.opaque),
      ),
    );
  }
  return h('div', {}, h('p', { class: 'heading' }, stack.heading), list, h('p', { class: 'legend' }, '+ added   ~ changed   - deleted (whiteout)   ▒ opaque directory'));
}

export interface TreeEntry {
  name: string;
  path: string;
  kind: string;
  provider?: LayerRef;
  copiedUp: boolean;
  /** Set for a name some layer has that the merged view hides: what hides it. */
  hiddenBy?: string;
}

const join = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** The layers of the view as data, the upper one last (for hidden names). */
function layersOf(view: View): Layer[] {
  return view.container === undefined ? view.lowers : [...view.lowers, view.overlay.commitSync()];
}

/** A directory of the merged view, then the names layers have there that the view hides. */
export function children(view: View, dir: string, layers = layersOf(view)): TreeEntry[] {
  const fs = view.overlay.fs;
  const names = (fs.readdirSync(dir) as string[]).slice().sort();
  const out: TreeEntry[] = names.map((name) => {
    const path = join(dir, name);
    const e = explainPath(view, path);
    return { name, path, kind: e.type ?? 'file', ...(e.providedBy === undefined ? {} : { provider: e.providedBy }), copiedUp: e.copiedUp };
  });
  const seen = new Set(names);
  const hidden = new Set<string>();
  for (const layer of layers) for (const name of layer.childNames(dir)) if (!seen.has(name) && !name.startsWith('.wh.')) hidden.add(name);
  for (const name of [...hidden].sort()) {
    const path = join(dir, name);
    const e = explainPath(view, path);
    const finding = e.layers.find((l) => l.role === 'hidden' || l.role === 'shadowed');
    out.push({ name, path, kind: finding?.entry ?? 'file', copiedUp: false, hiddenBy: finding?.by ?? (e.layers.some((l) => l.entry === 'whiteout') ? 'a whiteout' : 'a layer above') });
  }
  return out;
}

/** Text when the bytes are UTF-8 without NULs, else a hex dump (offset, 16 bytes, ASCII). */
export function contentText(bytes: Uint8Array, limit = 64 * 1024): { binary: boolean; text: string } {
  const shown = bytes.subarray(0, limit);
  const cut = bytes.length > limit ? `\n… ${bytes.length - limit} more bytes` : '';
  if (!shown.includes(0)) {
    try {
      return { binary: false, text: new TextDecoder('utf-8', { fatal: true }).decode(shown) + cut };
    } catch {
      // not UTF-8: hex below
    }
  }
  const lines: string[] = [];
  for (let at = 0; at < shown.length; at += 16) {
    const row = shown.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return { binary: true, text: lines.join('\n') + cut };
}
