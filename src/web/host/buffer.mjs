/**
 * The part of Node's `Buffer` the page's bundle reaches without Node: dockerfile-ast's
 * Util.isUTF8BOM (`Buffer.from(text, 'UTF-8')`) and a registry login's
 * `Buffer.from(text).toString('base64')`. esbuild injects it where those name the global
 * (scripts/web-build.mjs, `inject`).
 */
export class Buffer extends Uint8Array {
  static from(value, encoding) {
    if (typeof value !== 'string') return new Buffer(Uint8Array.from(value));
    if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw new Error(`Buffer.from: only UTF-8 text in this page, not ${encoding}`);
    const bytes = new TextEncoder().encode(value);
    const out = new Buffer(bytes.length);
    out.set(bytes);
    return out;
  }

  toString(encoding) {
    if (encoding === 'base64') {
      let binary = '';
      for (const byte of this) binary += String.fromCharCode(byte);
      return btoa(binary);
    }
    return new TextDecoder().decode(this);
  }
}
