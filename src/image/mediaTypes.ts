/** Media types and annotation keys of the OCI image spec (media-types.md) and their Docker equivalents. */
export const MediaTypes = Object.freeze({
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
});

/** Tag of an `index.json` entry (OCI annotations.md; meaningful only in `index.json`). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** Full image name Docker 25+ and containerd write beside the bare tag. */
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

/** DiffID of the empty layer tar (1024 zero bytes), well known from the image-spec examples. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export type Compression = 'none' | 'gzip' | 'zstd';

/** How a layer blob of this media type is compressed; `undefined` for a type that is no layer. */
export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaTypes.ociLayer:
    case MediaTypes.dockerLayer:
      return 'none';
    case MediaTypes.ociLayerGzip:
    case MediaTypes.dockerLayerGzip:
      return 'gzip';
    case MediaTypes.ociLayerZstd:
      return 'zstd';
    default:
      // Deprecated non-distributable variants compress the same way as their base type.
      if (mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.v1.tar')) {
        return mediaType.endsWith('+gzip') ? 'gzip' : mediaType.endsWith('+zstd') ? 'zstd' : 'none';
      }
      return undefined;
  }
}

export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;
}

export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

/** The gzip magic bytes (RFC 1952): compressed data, whatever its media type claims. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The zstd frame magic (RFC 8878). */
export function isZstd(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
}
