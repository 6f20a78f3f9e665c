/**
 * SHA-256 as an injectable capability. The portable default is `@noble/hashes`; where the
 * runtime offers a native hasher (Node's `crypto`, reached through `process.getBuiltinModule`
 * so this module keeps no `node:` import and still loads in a browser) it is preferred, after
 * a self-test against the known digest of the empty input. Both must agree byte for byte; a
 * property test checks that.
 */
import { sha256 as nobleSha256Fn } from '@noble/hashes/sha2.js';

export interface Sha256Hasher {
  update(bytes: Uint8Array): void;
  /** Lower-case hex of the digest; the hasher may not be used afterwards. */
  digestHex(): string;
}

export interface Sha256 {
  readonly name: string;
  create(): Sha256Hasher;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

export const nobleSha256: Sha256 = {
  name: '@noble/hashes',
  create(): Sha256Hasher {
    const h = nobleSha256Fn.create();
    return {
      update: (bytes) => void h.update(bytes),
      digestHex: () => toHex(h.digest()),
    };
  },
};

interface NativeHash {
  update(data: Uint8Array): NativeHash;
  digest(encoding: 'hex'): string;
}
interface NativeCrypto {
  createHash(algorithm: string): NativeHash;
}

/** Node's native SHA-256 when this runtime has it, else `undefined`. */
export function findNativeSha256(): Sha256 | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('crypto') as NativeCrypto | undefined;
  if (crypto === undefined || typeof crypto.createHash !== 'function') return undefined;
  const native: Sha256 = {
    name: 'node:crypto',
    create(): Sha256Hasher {
      const h = crypto.createHash('sha256');
      return { update: (bytes) => void h.update(bytes), digestHex: () => h.digest('hex') };
    },
  };
  return selfTest(native) ? native : undefined;
}

function selfTest(impl: Sha256): boolean {
  try {
    return impl.create().digestHex() === EMPTY_SHA256;
  } catch {
    return false;
  }
}

// The native hasher is looked for on first use, not when the module loads: Node's crypto module
// loads some twenty internal modules, milliseconds at every start of the CLI.
let native: Sha256 | null | undefined;
/** What setDefaultSha256 chose, if anything. */
let chosen: Sha256 | undefined;

/** The hasher every digest in this package uses. */
export function defaultSha256(): Sha256 {
  if (chosen !== undefined) return chosen;
  native ??= findNativeSha256() ?? null;
  return native ?? nobleSha256;
}

/** Replace the hasher (e.g. a host-specific one); it must pass the empty-input self-test. */
export function setDefaultSha256(impl: Sha256): void {
  if (!selfTest(impl)) throw new Error(`SHA-256 implementation ${impl.name} failed its self-test`);
  chosen = impl;
}

/** `sha256:<hex>` of the concatenation of `chunks`. */
export function sha256Digest(chunks: Uint8Array | Iterable<Uint8Array>, impl: Sha256 = defaultSha256()): string {
  const h = impl.create();
  if (chunks instanceof Uint8Array) h.update(chunks);
  else for (const c of chunks) h.update(c);
  return `sha256:${h.digestHex()}`;
}
