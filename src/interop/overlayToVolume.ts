import type { Volume } from 'memfs';
import { Layer } from '../layer/index.js';
import type { Overlay } from '../overlay/index.js';
import { readTree, type TreeReader } from './_internals/readTree.js';
import { layerToVolume, type LayerToVolumeOptions } from './layerToVolume.js';

/**
 * A memfs `Volume` holding a copy of an overlay's merged view, read through `overlay.fs`
 * (lstat, readdir, readFile, readlink): the mount as a process sees it, with hard links kept
 * where names share an inode. The overlay is only read, never copied up.
 */
export function overlayToVolume(overlay: Overlay, options: LayerToVolumeOptions = {}): Volume {
  const entries = readTree(overlay.fs as unknown as TreeReader, '/');
  return layerToVolume(Layer.fromEntries(entries), options);
}
