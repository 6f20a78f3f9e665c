import { DomainError } from '../errors/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON with object keys sorted at every level and no whitespace: one value, one byte string,
 * so digests of configs and manifests depend only on their content (Docker sorts keys too).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

export function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new DomainError('ImageFormatError', `${what} is not valid UTF-8`, { what });
  }
}

/** Parses JSON bytes; a syntax error becomes an `ImageFormatError` naming the document. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  const text = decodeText(bytes, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DomainError('ImageFormatError', `${what} is not valid JSON (${(error as Error).message})`, { what });
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
