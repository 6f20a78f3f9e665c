/**
 * `overlay/memfs`: converters between layers, overlays and memfs volumes. Kept apart from the
 * browser-pure `overlay` entry because memfs pulls in Node builtins.
 */
export { layerToVolume } from './layerToVolume.js';
export type { LayerToVolumeOptions } from './layerToVolume.js';
export { volumeToLayer } from './volumeToLayer.js';
export { overlayToVolume } from './overlayToVolume.js';
