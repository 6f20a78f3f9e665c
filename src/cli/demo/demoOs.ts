import { Layer, type LayerEntryInput } from '../../layer/index.js';

/**
 * The root filesystem of the tour's first layer, as a tar for `overlay import`: a tiny OS with a
 * shell, some config, docs and a package cache for the next layer to delete. Its times are the
 * tour's clock, and every entry is root's, so the tar (and so every digest) is the same anywhere.
 */
export function demoOsTar(mtimeMs: number): Uint8Array {
  const dir = (path: string, mode = 0o755): LayerEntryInput => ({ path, type: 'dir', mode, mtime: mtimeMs });
  const file = (path: string, content: string, mode = 0o644): LayerEntryInput => ({ path, type: 'file', content, mode, mtime: mtimeMs });
  return Layer.fromEntries([
    dir('/bin'),
    file('/bin/sh', '#!demo shell\n', 0o755),
    file('/bin/ls', '#!demo ls\n', 0o755),
    file('/bin/cat', '#!demo cat\n', 0o755),
    dir('/etc'),
    file('/etc/os-release', 'NAME="DemoOS"\nVERSION="1.0"\n'),
    file('/etc/motd', 'Welcome to DemoOS!\n'),
    file('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
    dir('/root', 0o700),
    dir('/tmp', 0o1777),
    dir('/usr'),
    dir('/usr/share'),
    dir('/usr/share/doc'),
    file('/usr/share/doc/README', 'DemoOS: the manual.\n'),
    file('/usr/share/doc/LICENSE', 'Free to learn from.\n'),
    dir('/var'),
    dir('/var/cache'),
    dir('/var/cache/apt'),
    file('/var/cache/apt/pkgcache.bin', 'package cache '.repeat(64)),
  ]).toTar();
}
