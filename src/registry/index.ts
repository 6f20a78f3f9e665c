/**
 * A client of OCI registries (OCI distribution-spec), Node-free: it runs on the global `fetch`
 * in Node and in browsers. Push and pull of stored images, sending or fetching only the blobs
 * the other side lacks, with a report of what moved.
 */
export { RegistryClient } from './transport.js';
export type { RegistryClientOptions, Call } from './transport.js';
export { parseChallenge, basicAuthorization, repositoryScope } from './auth.js';
export type { Credentials, Challenge } from './auth.js';
export { ping, blobSize, startUpload, uploadBlob, uploadStatus, blobChunks, withDigest } from './blobs.js';
export type { BlobSource } from './blobs.js';
export { MANIFEST_ACCEPT, getManifest, manifestDigestAt, putManifest, selectPlatform, parsePlatform, formatPlatform } from './manifests.js';
export type { FetchedManifest } from './manifests.js';
export { parseRemoteReference, formatRemoteReference, remoteName, DOCKER_HUB } from './reference.js';
export type { RemoteReference } from './reference.js';
export { pushImage } from './push.js';
export type { PushSource, PushOptions } from './push.js';
export { pullImage } from './pull.js';
export type { PullOptions, PullResult } from './pull.js';
export { describeTransfer } from './report.js';
export type { TransferReport, BlobTransfer, BlobOutcome } from './report.js';
export { pureJsZstd } from './zstd.js';
export type { ZstdDecoder } from './zstd.js';
export type { RegistryErrorData } from './errors.js';
