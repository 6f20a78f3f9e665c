/**
 * Readable, exactly comparable text for file data: short printable data as a JSON string,
 * anything else as hex (long data as length + two FNV-1a hashes + a hex prefix), so outcomes from
 * two filesystems compare with `===` and print legibly in a shrunk counterexample.
 */

import { toHex } from '../../digest/index.js';

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

const SHORT = 256;

function isPrintable(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x0a || b === 0x09) continue;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

/** FNV-1a over the bytes, 32 bits, from a given offset basis. */
function fnv1a(bytes: Uint8Array, basis: number): string {
  let h = basis >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** `"text"` for short printable data, `hex:…` otherwise (long data summarised by hashes). */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length <= SHORT) {
    return isPrintable(bytes) ? JSON.stringify(decoder.decode(bytes)) : `hex:${toHex(bytes)}`;
  }
  return `bytes(len=${bytes.length}, fnv=${fnv1a(bytes, 0x811c9dc5)}${fnv1a(bytes, 0x1234567)}, head=${toHex(bytes.subarray(0, 16))})`;
}

export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}
