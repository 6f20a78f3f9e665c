export {
  defaultSha256,
  setDefaultSha256,
  nobleSha256,
  findNativeSha256,
  sha256Digest,
  toHex,
} from './sha256.js';
export type { Sha256, Sha256Hasher } from './sha256.js';
export { chainId, chainIds, isDigest } from './chainId.js';
