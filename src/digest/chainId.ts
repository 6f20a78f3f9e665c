import { DomainError } from '../errors/index.js';
import { sha256Digest } from './sha256.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const encoder = new TextEncoder();

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/**
 * ChainID of an applied stack of layers, base first (OCI image-spec config.md "Layer ChainID"):
 * ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256("<ChainID(L0..Ln-1)> <DiffID(Ln)>").
 */
export function chainId(diffIds: readonly string[]): string {
  if (diffIds.length === 0) throw new DomainError('InvalidArgumentError', 'chainId needs at least one diffId');
  let chain = diffIds[0]!;
  for (let i = 1; i < diffIds.length; i++) {
    chain = sha256Digest(encoder.encode(`${chain} ${diffIds[i]!}`));
  }
  return chain;
}

/** ChainIDs of every prefix of the stack: `chainIds(d)[k] = chainId(d.slice(0, k + 1))`. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let chain: string | undefined;
  for (const d of diffIds) {
    chain = chain === undefined ? d : sha256Digest(encoder.encode(`${chain} ${d}`));
    out.push(chain);
  }
  return out;
}
