/**
 * Use cases: what each `overlay` verb does, as functions over the core `Store` that return
 * data. The CLI parses, calls one and renders the result; a browser page or `overlay build`
 * can call the same functions on another backend.
 */
export { listImages, importImage, tagImage, removeImages, imageHistory, layerUsage } from './images.js';
export type { ImageRow, ImportInput, HistoryStep, LayerUse } from './images.js';
export { MAX_CONTAINER_LAYERS, createContainer, listContainers, editContainer, diffContainer, commitContainer, removeContainers } from './containers.js';
export type { ContainerRow, CommitInput, CommitResult, RemovedContainers } from './containers.js';
export { saveImages, loadImages } from './archives.js';
export type { LoadProgress } from './archives.js';
export { inspectTargets } from './inspect.js';
export { diskUsage, pruneStore, checkStore } from './housekeeping.js';
export { openView, describeLayer, explainPath, exportTree, imageLabel, parseLayerTarget } from './views.js';
export type { View } from './views.js';
export { stackOf } from './stack.js';
export type { Stack, StackItem } from './stack.js';
export { onPath, listDirectory, listNames, readFileAt, writeFileAt, makeDirectories, changeModes, touchPaths, linkPath, removePaths, movePath } from './files.js';
export type { Listed, ListedName } from './files.js';
export { shortId } from './format.js';
export { layerSizes, imageSizes, upperContentBytes } from './sizes.js';
export type { Sizes } from './sizes.js';
export { viewLayers, archiveLayers, analyzeSource, diffSources } from './analysis.js';
export type { LayerSource } from './analysis.js';
export { pushToRegistry, pullFromRegistry } from './registry.js';
export type { ConnectRegistry, TransferOptions } from './registry.js';
