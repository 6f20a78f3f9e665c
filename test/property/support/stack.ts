import { Layer, type LayerEntryInput } from '../../../src/index.js';

/** Layers from `layerStack()` output, bottom first. */
export function buildStack(inputs: readonly (readonly LayerEntryInput[])[]): Layer[] {
  return inputs.map((entries) => Layer.fromEntries(entries));
}
