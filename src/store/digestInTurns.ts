import { defaultSha256 } from '../digest/index.js';

/** Bytes hashed between two turns of the event loop. */
const CHUNK = 8 << 20;

/** A macrotask boundary: pending I/O callbacks and signal handlers (Ctrl-C) run before it ends. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * `sha256Digest(bytes)`, hashed a few MiB at a time with a turn of the event loop in between,
 * so hashing a layer of hundreds of MB does not hold off Ctrl-C (src/cli/main.ts).
 */
export async function digestInTurns(bytes: Uint8Array): Promise<string> {
  const hasher = defaultSha256().create();
  for (let pos = 0; pos < bytes.length; pos += CHUNK) {
    hasher.update(bytes.subarray(pos, Math.min(pos + CHUNK, bytes.length)));
    if (pos + CHUNK < bytes.length) await nextTurn();
  }
  return `sha256:${hasher.digestHex()}`;
}
