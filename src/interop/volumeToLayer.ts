import type { Volume } from 'memfs';
import { Layer, type LayerOptions } from '../layer/index.js';
import { asRoot } from './_internals/asRoot.js';
import { readTree, type TreeReader } from './_internals/readTree.js';

/**
 * A layer holding the tree under `root` of a memfs volume, as a layer tar of that directory
 * would: every directory (the root as `/`), file (data copied, mode, owner, mtime) and symlink,
 * walked with `lstat`; names of one inode after the first become `hardlink` entries. Read as
 * root, so permission bits never stop the walk. Throws `InvalidArgumentError` when `root` is
 * not a directory, `LayerFormatError` for names a layer cannot hold (a `.wh.` prefix).
 */
export function volumeToLayer(vol: Volume, root = '/', options: LayerOptions = {}): Layer {
  const entries = asRoot(vol, () => readTree(vol as unknown as TreeReader, root));
  return Layer.fromEntries(entries, options);
}
