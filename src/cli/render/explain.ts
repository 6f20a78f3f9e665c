import type { Explanation, LayerFinding, LayerRef } from '../../overlay/index.js';
import { table } from './format.js';

const ROLE_TEXT: Record<LayerFinding['role'], string> = {
  provides: 'this is what you see',
  merged: 'its entries merge into the directory you see',
  deletes: 'whiteout: deletes the path from the layers below',
  shadowed: 'shadowed',
  hidden: 'hidden',
};

/** `overlay explain`: where a path comes from and what hides what. */
export function renderExplanation(e: Explanation, describeLayer: (ref: LayerRef) => string): string {
  const lines: string[] = [];
  if (!e.exists) {
    lines.push(`${e.path}: does not exist in this view`);
  } else {
    const from = e.providedBy === undefined ? '' : `, from ${describeLayer(e.providedBy)}`;
    lines.push(`${e.path}: ${e.type ?? 'object'}${from}`);
    if (e.copiedUp) {
      lines.push(
        e.type === 'dir'
          ? '  the directory was copied up into the writable layer (its attributes; contents still merge from below)'
          : e.metacopy
            ? '  copied up (metadata only): the data still comes from the lower layer'
            : '  copied up: the writable layer holds its own copy (blocks are shared until written); the lower original is untouched',
      );
    }
    if (e.redirect !== undefined) lines.push(`  renamed directory: still merges the lower directory ${e.redirect}`);
  }
  if (e.layers.length === 0) {
    lines.push('  no layer has anything at this path');
  } else {
    const rows = e.layers.map((f) => [
      describeLayer(f.layer),
      f.entry,
      f.role,
      f.by === undefined ? ROLE_TEXT[f.role] : `${ROLE_TEXT[f.role]} by ${f.by}`,
    ]);
    lines.push('', ...table(['LAYER (top first)', 'ENTRY', 'ROLE', 'WHY'], rows).trimEnd().split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n') + '\n';
}
