/** The OCI image JSON documents, as this package reads and writes them (OCI image-spec). */

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
}

/** A content descriptor (descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

/** An image manifest (manifest.md); layers base first. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index (image-index.md), also the shape of an image layout's `index.json`. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** One build step of an image (config.md `history`). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  /** The step produced no layer: no DiffID belongs to it. */
  empty_layer?: boolean;
}

/** An image configuration (config.md). Unknown fields are kept as they are. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: Record<string, unknown>;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [field: string]: unknown;
}
