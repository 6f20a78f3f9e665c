/**
 * Law: for every path of the view, the layer `explain` names as provider holds the attributes
 * `lstat` reports: type, mode, uid, gid, and size for files. A lower layer's own entry is read
 * at the path the view merges there (a redirect above moves it); the upper layer's is its tree
 * node, or for a name that only the index's copy of a lower hard link stands in for, that copy.
 */
import type * as fc from 'fast-check';
import { expect } from 'vitest';
import { Overlay, type LayerEntryInput, type OverlayOptions } from '../../../src/index.js';
import type { UpperNode } from '../../../src/cow/index.js';
import type { LayerNode } from '../../../src/layer/index.js';
import { engineOf } from '../../../src/overlay/Overlay.js';
import { runOp, type FsOp } from '../../../src/testing/index.js';
import { buildStack } from '../support/stack.js';
import { assertStackLaw } from './stackLaw.js';
import { fsOf, viewOf } from './view.js';

interface Attributes {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  /** Files only. */
  size?: number;
}

function ofNode(node: LayerNode | UpperNode | undefined): Attributes | undefined {
  if (node === undefined || node.kind === 'whiteout') return undefined;
  if (node.kind === 'dir') return { type: 'dir', mode: node.meta.mode, uid: node.meta.uid, gid: node.meta.gid };
  const { meta } = node.inode;
  const attrs: Attributes = { type: node.kind, mode: meta.mode, uid: meta.uid, gid: meta.gid };
  if (node.inode.type === 'file') attrs.size = node.inode.mutable ? node.inode.data.size : node.inode.content.size;
  return attrs;
}

/** The path the lower layers are read at: the deepest redirect on the way replaces its prefix. */
function lowerPathOf(ov: Overlay, path: string): string {
  const steps = path.split('/').filter((s) => s !== '');
  for (let i = steps.length; i >= 1; i--) {
    const prefix = '/' + steps.slice(0, i).join('/');
    const redirect = ov.explain(prefix).redirect;
    if (redirect !== undefined) return (redirect === '/' ? '' : redirect) + path.slice(prefix.length) || '/';
  }
  return path;
}

function upperAttributes(ov: Overlay, path: string): Attributes | undefined {
  const engine = engineOf(ov);
  let node: UpperNode | undefined = engine.upperRoot;
  for (const name of path.split('/').filter((s) => s !== '')) node = node?.kind === 'dir' ? node.children.get(name) : undefined;
  if (node !== undefined) return ofNode(node);
  // index=on: a name the upper tree does not hold, shown through the index's copy.
  const d = engine.paths.lookupLiteral(path);
  const lower = d?.lower?.kind === 'file' || d?.lower?.kind === 'symlink' ? d.lower.inode : undefined;
  const copy = lower === undefined ? undefined : engine.copies.indexed.get(lower);
  return copy === undefined ? undefined : ofNode(copy.type === 'file' ? { kind: 'file', inode: copy } : { kind: 'symlink', inode: copy });
}

export function checkExplainAgreesWithStat(inputs: readonly (readonly LayerEntryInput[])[], ops: readonly FsOp[], options: OverlayOptions): void {
  const lowers = buildStack(inputs);
  const ov = new Overlay({ ...options, lowers });
  for (const op of ops) runOp(fsOf(ov), '', op);
  for (const [path, node] of viewOf(ov)) {
    if (node.type === 'other') continue;
    const e = ov.explain(path);
    const where = `${path}: ${JSON.stringify(e)}`;
    expect(e.exists, where).toBe(true);
    const st = ov.fs.lstatSync(path);
    const shown: Attributes = { type: node.type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (node.type === 'file') shown.size = st.size;
    const provider = e.providedBy;
    const held = provider === 'upper' ? upperAttributes(ov, path) : provider === undefined ? undefined : ofNode(lowers[provider]?.node(lowerPathOf(ov, path)));
    expect(held, `provider ${String(provider)} holds other attributes than stat shows at ${where}`).toEqual(shown);
  }
}

export function assertExplainAgreesWithStat(
  stackArb: fc.Arbitrary<LayerEntryInput[][]>,
  opsArb: fc.Arbitrary<FsOp[]>,
  options: OverlayOptions,
  numRuns: number,
): Promise<void> {
  return assertStackLaw(checkExplainAgreesWithStat, stackArb, opsArb, options, numRuns);
}
