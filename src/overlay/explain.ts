import type { UpperNode } from '../cow/index.js';
import type { Layer, LayerNode } from '../layer/index.js';
import { cleanPath, pathSteps } from '../path/index.js';
import { exists, kindOf, passesBelow, showsThrough, type Engine, type LayerRef, type ObjectKind, type Passes } from './engine/index.js';

export type { LayerRef } from './engine/index.js';

export type LayerRole =
  | 'provides' // the object the view shows comes from this layer
  | 'merged' // a directory below the provider whose entries merge into the view
  | 'deletes' // a whiteout here removes the path from the layers below
  | 'shadowed' // present, but a layer above has another type here, or (index=on) the upper layer's copy of its inode stands in for it
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
 * The provider is the layer whose attributes stat shows (the engine's own view of the object);
 * each layer's role comes from the rule the engine's lookup uses (merge.ts), applied layer by
 * layer, top first.
 */
export function explainPath(engine: Engine, rawPath: string): Explanation {
  const path = cleanPath(rawPath);
  const steps = pathSteps(path);
  const found = engine.paths.lookup(path, false);
  const d = typeof found === 'string' || !exists(found) ? undefined : found;
  const view = d === undefined ? undefined : engine.view(d);
  const object = d !== undefined && kindOf(d) !== 'dir' ? engine.copies.objectOf(d) : undefined;

  const findings: LayerFinding[] = [];
  let passes: Passes = 'everything'; // what the layers considered so far let through at this path
  let blocker: string | undefined; // why lower layers cannot show this path any more
  let shownBy: LayerRef | undefined; // the topmost layer whose entry shows
  let lowerPath = path; // a redirect above moves where the lower layers are looked at

  const consider = (ref: LayerRef, node: AnyNode | undefined, ancestorBlock: string | undefined): void => {
    if (node !== undefined) {
      if (passes === 'nothing') {
        // An implicit opaque directory keeps the attributes of the one it hides (LowerTree.apply).
        if (node.kind === 'dir' && view?.kind === 'dir' && view.source === ref) findings.push({ layer: ref, entry: entryOf(node), role: 'provides' });
        else findings.push({ layer: ref, entry: entryOf(node), role: 'hidden', by: blocker ?? `a layer above ${path}` });
      } else if (node.kind === 'whiteout') {
        findings.push({ layer: ref, entry: 'whiteout', role: 'deletes' });
        blocker = `whiteout ${path} in ${layerName(ref)}`;
        passes = 'nothing';
      } else if (showsThrough(passes, node)) {
        findings.push(shownFinding(ref, node));
        shownBy ??= ref;
        passes = passesBelow(node);
        if (passes === 'nothing') blocker = `${entryOf(node)} ${path} in ${layerName(ref)}`;
      } else {
        // A non-directory below a directory: the kernel's lookup stops at it.
        findings.push({ layer: ref, entry: entryOf(node), role: 'shadowed', by: `dir ${path} in ${layerName(shownBy ?? ref)}` });
        blocker = `${node.kind} ${path} in ${layerName(ref)}`;
        passes = 'nothing';
      }
    }
    if (ancestorBlock !== undefined && passes !== 'nothing') {
      blocker = ancestorBlock;
      passes = 'nothing';
    }
  };

  /**
   * An entry that shows provides the view when stat's attributes are its own; other directories
   * merge into it. A non-directory that shows but does not provide has a copy in the upper
   * layer's index standing in for its inode (overlayfs.rst "index").
   */
  const shownFinding = (ref: LayerRef, node: AnyNode): LayerFinding => {
    const entry = entryOf(node);
    if (view === undefined || view.source === ref) return { layer: ref, entry, role: 'provides' };
    if (node.kind === 'dir') return { layer: ref, entry, role: 'merged' };
    return { layer: ref, entry, role: 'shadowed', by: `its copy-up in the upper layer's index` };
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
      if (node !== undefined && passesBelow(node) === 'nothing') ancestorBlock = `${entryOf(node)} ${ancestor} in layer ${index}`;
    }
    if (lowerSteps.length === 0) {
      const root = layer.node('/');
      if (root?.kind === 'dir' && root.opaque) ancestorBlock = `opaque dir / in layer ${index}`;
    }
    consider(index, layer.node(lowerPath), ancestorBlock);
  }

  const upperObject = object?.mutable === true ? object : undefined;
  const explanation: Explanation = {
    path,
    exists: d !== undefined,
    copiedUp: upperObject?.origin !== undefined || (d?.upper?.kind === 'dir' && d.lower !== undefined),
    metacopy: upperObject?.type === 'file' && upperObject.metacopy,
    layers: findings,
  };
  if (d !== undefined && view !== undefined) {
    explanation.type = view.kind;
    explanation.providedBy = view.source;
    if (d.upper?.kind === 'dir' && d.upper.redirect !== undefined) explanation.redirect = d.upper.redirect;
  }
  return explanation;
}
