/**
 * The member walk: a layer as its ordered list of members, the one order and shape that
 * `layer.entries()`, the tar bytes and the diffId all follow.
 */
import type { LayerInode, LayerNode, Meta } from '../types.js';

/** What the walk reads of a layer (the `Layer` class has it; the codec does not import the class). */
export interface LayerTree {
  /** Every node's path (implicit directories too), sorted in byte order. */
  paths(): readonly string[];
  node(path: string): LayerNode | undefined;
  childNames(path: string): readonly string[];
}

/** One member of a layer, in walk order. */
export type LayerMember =
  | {
      readonly kind: 'dir';
      readonly path: string;
      readonly meta: Meta;
      readonly opaque: boolean;
      /**
       * The tar has a directory member for it. Only an implicit opaque directory (a same-layer
       * whiteout with entries below it) has none: its opaque marker alone stands for it, and
       * the reader turns "marker, no directory member, entries below" back into that shape.
       * The root, or one with nothing below, keeps its member, so that the reader can give back
       * a directory that exists without children.
       */
      readonly written: boolean;
    }
  | { readonly kind: 'whiteout'; readonly path: string }
  | {
      readonly kind: 'object';
      readonly path: string;
      readonly inode: LayerInode;
      /**
       * For the second and later names of a hard-linked object: its first name in walk order,
       * which holds the object (OCI image-spec layer.md "Hardlinks"). `undefined` otherwise.
       */
      readonly linkTo: string | undefined;
    };

/**
 * The members of a layer in byte order of their paths. An implicit directory that is not opaque
 * has no member: it exists only for what lies below it.
 */
export function* layerMembers(layer: LayerTree): Generator<LayerMember, void, undefined> {
  // Only objects with several names (nlink counts them) need remembering, which spares the
  // common case a map lookup.
  const firstName = new Map<LayerInode, string>();
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    switch (node.kind) {
      case 'dir':
        if (node.implicit && !node.opaque) break;
        yield {
          kind: 'dir',
          path,
          meta: node.meta,
          opaque: node.opaque,
          written: !node.implicit || path === '/' || layer.childNames(path).length === 0,
        };
        break;
      case 'whiteout':
        yield { kind: 'whiteout', path };
        break;
      case 'file':
      case 'symlink': {
        const { inode } = node;
        let linkTo: string | undefined;
        if (inode.nlink > 1) {
          linkTo = firstName.get(inode);
          if (linkTo === undefined) firstName.set(inode, path);
        }
        yield { kind: 'object', path, inode, linkTo };
        break;
      }
    }
  }
}
