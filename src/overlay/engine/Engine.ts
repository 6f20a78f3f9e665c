import { UpperDir, metaFromLayer, type FileData } from '../../cow/index.js';
import type { Content } from '../../layer/index.js';
import { Attributes } from './Attributes.js';
import { CopyUp } from './CopyUp.js';
import type { EntryView } from './Dentry.js';
import { Lookup } from './Lookup.js';
import type { LowerTree } from './LowerTree.js';
import { Namespace } from './Namespace.js';
import { dataOf, viewOf, type ObjectView } from './objectView.js';
import { OpenFiles } from './OpenFiles.js';
import type { EngineOptions } from './options.js';

/**
 * The overlay's semantics on normalised arguments, over an upper tree and the merged lower
 * tree. It never sees Node conventions (flags strings, encodings, callbacks); the fs facade
 * does that. Each job is its own part, wired here:
 * - `paths`: lookup (what shows at a name, the walk, the fast read path, readdir);
 * - `copies`: copy-up and its index maps;
 * - `names`: mkdir, symlink, link, unlink, rmdir, rename;
 * - `attrs`: chmod, chown, utimes;
 * - `files`: open files (open, read, write, ftruncate, fstat), truncate, copyFile.
 */
export class Engine {
  readonly upperRoot: UpperDir;
  readonly lower: LowerTree;
  readonly options: EngineOptions;
  readonly copies: CopyUp;
  readonly paths: Lookup;
  readonly names: Namespace;
  readonly attrs: Attributes;
  readonly files: OpenFiles;

  constructor(lower: LowerTree, options: EngineOptions) {
    this.lower = lower;
    this.options = options;
    this.upperRoot = new UpperDir(lower.root.ino, metaFromLayer(lower.root.meta), false);
    this.copies = new CopyUp(options);
    this.paths = new Lookup(this.upperRoot, lower, this.copies);
    this.names = new Namespace(this.paths, this.copies, options);
    this.attrs = new Attributes(this.paths, this.copies, options);
    this.files = new OpenFiles(this.paths, this.copies, this.names, options);
  }

  /** What stat (and fstat, and explain) report of an existing entry. */
  view(d: EntryView): ObjectView {
    return viewOf(d, this.copies);
  }

  /** File data of a non-directory entry (reading never copies up). */
  dataOf(d: EntryView): FileData | Content {
    return dataOf(d, this.copies);
  }
}
