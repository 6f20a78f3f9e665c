/**
 * `overlay analyze`, `overlay diff A B` and `overlay ls --tree`: layer analysis of any target,
 * a stored image (or `IMAGE@N`), a container (its writable layer counts as the top layer), or
 * an archive or OCI layout read without storing it.
 */
import { analyzeLayers, diffViews, type Analysis, type ViewDiff } from '../analysis/index.js';
import { DomainError } from '../errors/index.js';
import { layerHistoryEntries, readImageArchive, type FileSource, type ImageConfig, type Platform } from '../image/index.js';
import { Layer } from '../layer/index.js';
import { layersKept, type View } from './views.js';

/** Layers to analyze, bottom first, with their history. */
export interface LayerSource {
  label: string;
  layers: Layer[];
  config?: ImageConfig;
  createdBy?: string[];
}

/** The layers of a view: an image's (cut at `IMAGE@N`), a container's plus its writable layer. */
export function viewLayers(view: View): LayerSource {
  const layers = [...view.lowers];
  const history = layerHistoryEntries(view.image.config);
  const createdBy = layers.map((_, i) => history[i]?.created_by ?? '');
  if (view.container !== undefined) {
    layers.push(view.overlay.commitSync());
    createdBy.push(`container ${view.container.name} (writable)`);
  }
  const label = view.container !== undefined ? `container ${view.container.name}` : `image ${view.imageLabel}`;
  return { label, layers, config: view.image.config, createdBy };
}

/**
 * The layers of one image of an archive or layout (`name` picks it when there are several);
 * with `at`, only those up to that layer or history step (`ARCHIVE@N`, as `IMAGE@N`). With
 * `columns`, for a caller that reads only the layers' columns (`analyzeSource`), a plain layer
 * tar goes from its headers to its columns without building its nodes (`Layer.fromIndexedTar`).
 */
export async function archiveLayers(
  source: FileSource,
  what: string,
  options: { name?: string; platform?: Platform; at?: { layer?: number; step?: number }; columns?: boolean } = {},
): Promise<LayerSource> {
  const images = await readImageArchive(source, options.platform);
  const picked = options.name === undefined ? images : images.filter((i) => i.names.some((n) => n === options.name || n.startsWith(`${options.name}:`)));
  if (picked.length !== 1) {
    const names = images.flatMap((i) => i.names);
    throw new DomainError('InvalidArgumentError', `${what} holds ${images.length} images${names.length === 0 ? '' : ` (${names.join(', ')})`}: name one with --image`, { source: what });
  }
  const image = picked[0]!;
  const at = options.at;
  const kept = at === undefined ? image.layers.length : layersKept(image.config, at, `${what}@${at.layer ?? `step${at.step}`}`);
  const layers: Layer[] = [];
  for (const layer of image.layers.slice(0, kept)) {
    // An uncompressed layer of a file on disk is indexed by its headers, its data left on disk;
    // anything else (gzip, an odd tar) goes through the streaming reader.
    const at = layer.positioned?.();
    const indexed = at === undefined ? undefined : Layer.fromIndexedTar(at.reader, at.size, { columns: options.columns === true });
    layers.push(indexed ?? (await Layer.fromTar(layer.chunks())));
  }
  const name = image.names[0] === undefined ? '' : ` (${image.names[0]})`;
  return { label: `${what}${at === undefined ? '' : `@${kept - 1}`}${name}`, layers, config: image.config };
}

/** The analysis of these layers (see `analyzeLayers`). */
export function analyzeSource(source: LayerSource, options: { baseCount?: number } = {}): Analysis {
  return analyzeLayers({
    layers: source.layers,
    ...(source.config === undefined ? {} : { config: source.config }),
    ...(source.createdBy === undefined ? {} : { createdBy: source.createdBy }),
    ...(options.baseCount === undefined ? {} : { baseCount: options.baseCount }),
  });
}

/** `overlay diff A B`: what B adds, changes and deletes against A (see `diffViews`). */
export function diffSources(a: LayerSource, b: LayerSource): ViewDiff {
  return diffViews(a.layers, b.layers);
}
