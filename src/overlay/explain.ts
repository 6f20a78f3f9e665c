import type { UpperNode } from '../cow/index.js';
import type { Layer, LayerNode } from '../layer/index.js';
import { cleanPath, pathSteps } from '../path/index.js';
import { exists, kindOf, type ObjectKind } from './engine/Dentry.js';
import type { Engine } from './engine/Engine.js';

/** A layer of the stack: `'upper'` or a lower layer's index (0 = bottom). */
export type LayerRef = 'upper' | number;

export type LayerRole =
  | 'provides' // the object the view shows comes from this layer
  | 'merged' // a directory below the provider whose entries merge into the view
  | 'deletes' // a whiteout here removes the path from the layers below
  | 'shadowed' // present, but a layer above has a non-directory or another type here
  | 'hidden'; // present, but a whiteout or opaque directory above hides it

export interface LayerFinding {
  layer: LayerRef;
  /** What this layer holds at the path. */
  entry: 'file' | 'dir' | 'opaque dir' | 'symlink' | 'whiteout';
  role: LayerRole;
  /** For `shadowed` and `hidden`: what hides it, e.g. `whiteout /etc in layer 2`. */
  by?: string;
}

export interface Explanation {
  path: string;
  exists: boolean;
  type?: ObjectKind;
  /** The layer whose object the view shows (for directories: whose attributes). */
  providedBy?: LayerRef;
  /** Copied up from a lower layer (its attributes, and data unless `metacopy`). */
  copiedUp: boolean;
  /** metacopy=on: only attributes were copied up; the data still comes from below. */
  metacopy: boolean;
  /** redirect_dir=on: a renamed directory still merging with this lower path. */
  redirect?: string;
  /** Every layer that has something at this path, top first. */
  layers: LayerFinding[];
}

type AnyNode = LayerNode | UpperNode;

function entryOf(node: AnyNode): LayerFinding['entry'] {
  if (node.kind === 'dir') return node.opaque ? 'opaque dir' : 'dir';
  return node.kind;
}

const layerName = (ref: LayerRef): string => (ref === 'upper' ? 'the upper layer' : `layer ${ref}`);

/**
 * Provenance of one path (no symlinks followed): which layer provides it, and what each
 * layer's entry there does — merged, shadowed by a non-directory above, or hidden by a
 * whiteout or opaque directory (overlayfs.rst "Directories", "whiteouts and opaque directories").
 */
export function explainPath(engine: Engine, rawPath: string): Explanation {
  const path = cleanPath(rawPath);
  const steps = pathSteps(path);
  const findings: LayerFinding[] = [];
  let blocker: string | undefined; // why lower layers cannot show this path any more
  let provider: { ref: LayerRef; kind: AnyNode['kind'] } | undefined;
  let lowerPath = path; // a redirect above moves where the lower layers are looked at

  const consider = (ref: LayerRef, node: AnyNode | undefined, ancestorBlock: string | undefined): void => {
    if (node !== undefined) {
      if (blocker !== undefined) {
        findings.push({ layer: ref, entry: entryOf(node), role: 'hidden', by: blocker });
      } else if (node.kind === 'whiteout') {
        findings.push({ layer: ref, entry: 'whiteout', role: 'deletes' });
        blocker = `whiteout ${path} in ${layerName(ref)}`;
      } else if (provider === undefined) {
        findings.push({ layer: ref, entry: entryOf(node), role: 'provides' });
        provider = { ref, kind: node.kind };
        if (node.kind !== 'dir') blocker = `${node.kind} ${path} in ${layerName(ref)}`;
        else if (node.opaque) blocker = `opaque dir ${path} in ${layerName(ref)}`;
      } else if (node.kind === 'dir') {
        findings.push({ layer: ref, entry: entryOf(node), role: 'merged' });
        if (node.opaque) blocker = `opaque dir ${path} in ${layerName(ref)}`;
      } else {
        findings.push({ layer: ref, entry: entryOf(node), role: 'shadowed', by: `dir ${path} in ${layerName(provider.ref)}` });
        blocker = `${node.kind} ${path} in ${layerName(ref)}`;
      }
    }
    blocker ??= ancestorBlock;
  };

  // The upper layer: walk its tree; an ancestor whiteout, non-directory or opaque directory
  // hides everything below it from the lower layers.
  let upperNode: UpperNode | undefined = engine.upperRoot;
  let upperBlock: string | undefined;
  for (let i = 0; i < steps.length && upperNode !== undefined; i++) {
    if (upperNode.kind !== 'dir') {
      upperBlock ??= `${upperNode.kind} in the upper layer above ${path}`;
      upperNode = undefined;
      break;
    }
    if (upperNode.opaque && i > 0) upperBlock ??= `opaque dir /${steps.slice(0, i).join('/')} in the upper layer`;
    if (upperNode.redirect !== undefined) lowerPath = cleanPath(`${upperNode.redirect}/${steps.slice(i).join('/')}`);
    const next: UpperNode | undefined = upperNode.children.get(steps[i]!);
    if (next?.kind === 'whiteout' && i < steps.length - 1) {
      upperBlock ??= `whiteout /${steps.slice(0, i + 1).join('/')} in the upper layer`;
      upperNode = undefined;
      break;
    }
    upperNode = next;
  }
  if (upperNode?.kind === 'dir' && upperNode.redirect !== undefined) lowerPath = upperNode.redirect;
  consider('upper', upperNode, upperBlock);

  const layers: readonly Layer[] = engine.lower.layers;
  const lowerSteps = pathSteps(lowerPath);
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index]!;
    let ancestorBlock: string | undefined;
    for (let i = 1; i <= lowerSteps.length - 1 && ancestorBlock === undefined; i++) {
      const ancestor = '/' + lowerSteps.slice(0, i).join('/');
      const node = layer.node(ancestor);
      if (node === undefined) continue;
      if (node.kind === 'whiteout') ancestorBlock = `whiteout ${ancestor} in layer ${index}`;
      else if (node.kind !== 'dir') ancestorBlock = `${node.kind} ${ancestor} in layer ${index}`;
      else if (node.opaque) ancestorBlock = `opaque dir ${ancestor} in layer ${index}`;
    }
    if (lowerSteps.length === 0) {
      const root = layer.node('/');
      if (root?.kind === 'dir' && root.opaque) ancestorBlock = `opaque dir / in layer ${index}`;
    }
    consider(index, layer.node(lowerPath), ancestorBlock);
  }

  const found = engine.lookup(path, false);
  const d = typeof found === 'string' ? undefined : found;
  const upperObject = d?.upper !== undefined && d.upper.kind !== 'dir' ? d.upper.inode : undefined;
  const explanation: Explanation = {
    path,
    exists: d !== undefined && exists(d),
    copiedUp: upperObject?.origin !== undefined || (d?.upper?.kind === 'dir' && d.lower !== undefined),
    metacopy: upperObject?.metacopy ?? false,
    layers: findings,
  };
  if (d !== undefined) {
    const type = kindOf(d);
    if (type !== undefined) explanation.type = type;
    if (provider !== undefined) explanation.providedBy = provider.ref;
    if (d.upper?.kind === 'dir' && d.upper.redirect !== undefined) explanation.redirect = d.upper.redirect;
  }
  return explanation;
}
