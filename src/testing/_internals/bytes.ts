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

/**
 * File data in an op or a layer entry: literal text, or `fill` repeated to `size` bytes (big
 * data that stays short in a scenario's JSON and in reports).
 */
export type FsData = string | { fill: string; size: number };

export function toBytes(data: FsData | Uint8Array): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  const unit = encoder.encode(data.fill === '' ? '\0' : data.fill);
  const out = new Uint8Array(data.size);
  for (let i = 0; i < out.length; i += unit.length) out.set(unit.subarray(0, Math.min(unit.length, out.length - i)), i);
  return out;
}

/** `"x"`, or `fill("ab")×65537` for big data. */
export function describeData(data: FsData): string {
  return typeof data === 'string' ? JSON.stringify(data) : `fill(${JSON.stringify(data.fill)})×${data.size}`;
}

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}
