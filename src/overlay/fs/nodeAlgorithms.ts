import { FsError } from '../../errors/index.js';
import { isDir, type Engine } from '../engine/index.js';
import { withContext } from './context.js';

/** What the recursive calls need of the facade: Node's own lstat and readdir answers. */
export interface TreeCalls {
  isDirectory(path: string): boolean | undefined;
  readdir(path: string): string[];
}

/**
 * Node's mkdirSync(p, { recursive: true }) (node_file.cc MKDirpSync): try mkdir; on ENOENT
 * make the parent first; on any other error the path must already be a directory.
 * Returns the first directory made, spelled as Node spells it.
 */
export function mkdirp(engine: Engine, path: string, mode: number): string | undefined {
  const stack = [path];
  let first: string | undefined;
  let next: string | undefined;
  while ((next = stack.pop()) !== undefined) {
    let code: string | undefined;
    try {
      engine.names.mkdir(next, mode);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      code = e.code;
    }
    for (;;) {
      if (code === undefined) {
        first ??= next;
        break;
      }
      if (code === 'EACCES' || code === 'ENOTDIR' || code === 'EPERM') throw FsError.of(code);
      if (code === 'ENOENT') {
        const cut: number = next.lastIndexOf('/');
        const parent: string = cut < 0 ? next : next.slice(0, cut);
        if (parent !== next) stack.push(next, parent);
        else if (stack.length === 0) {
          code = 'EEXIST';
          continue;
        }
        break;
      }
      const found = engine.paths.lookup(next, true);
      if (typeof found === 'string') throw FsError.of(found);
      if (!isDir(found)) throw FsError.of(code === 'EEXIST' && stack.length > 0 ? 'ENOTDIR' : 'EEXIST');
      break;
    }
  }
  return first;
}

/** Node 20's rimrafSync: unlink non-directories; rmdir, and only on ENOTEMPTY empty it first. */
export function rimraf(engine: Engine, tree: TreeCalls, path: string): void {
  const dir = tree.isDirectory(path);
  if (dir === undefined) return;
  try {
    if (dir) rmdirTree(engine, tree, path, undefined);
    else withContext('unlink', path, undefined, () => engine.names.unlink(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return;
    if (code !== 'EISDIR') throw e;
    rmdirTree(engine, tree, path, e as Error);
  }
}

function rmdirTree(engine: Engine, tree: TreeCalls, path: string, originalError: Error | undefined): void {
  try {
    withContext('rmdir', path, undefined, () => engine.names.rmdir(path));
    return;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw originalError ?? e;
  }
  for (const name of tree.readdir(path)) rimraf(engine, tree, path.endsWith('/') ? path + name : `${path}/${name}`);
  try {
    withContext('rmdir', path, undefined, () => engine.names.rmdir(path));
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw originalError ?? e;
  }
}
