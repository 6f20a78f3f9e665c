/**
 * A small tar codec for the `tar` command: POSIX ustar headers (XCU "pax", "ustar Interchange
 * Format"), pax `path`/`linkpath` records for long names, GNU `L`/`K` long names on read.
 * Layer tars have their own codec in src/layer/tar, which this command does not need.
 */
import { concatBytes, toBytes, toText } from '../io.js';

export interface TarMember {
  name: string;
  /** '0' file, '1' hard link, '2' symlink, '5' directory. */
  type: '0' | '1' | '2' | '5';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  data: Uint8Array;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(fields: { name: string; prefix: string; type: string; mode: number; uid: number; gid: number; size: number; mtime: number; linkname: string }): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, text: string, width: number): void => block.set(toBytes(text).slice(0, width), offset);
  put(0, fields.name, 100);
  put(100, octal(fields.mode & 0o7777, 8), 8);
  put(108, octal(fields.uid, 8), 8);
  put(116, octal(fields.gid, 8), 8);
  put(124, octal(fields.size, 12), 12);
  put(136, octal(Math.max(0, Math.floor(fields.mtime)), 12), 12);
  put(148, '        ', 8);
  put(156, fields.type, 1);
  put(157, fields.linkname, 100);
  put(257, 'ustar\u000000', 8);
  put(345, fields.prefix, 155);
  const sum = block.reduce((a, b) => a + b, 0);
  put(148, sum.toString(8).padStart(6, '0') + '\0 ', 8);
  return block;
}

function padded(data: Uint8Array): Uint8Array[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, new Uint8Array(BLOCK - rest)];
}

/** Splits a name into ustar's prefix and name fields, or undefined when it does not fit. */
function split(name: string): [string, string] | undefined {
  if (toBytes(name).length <= 100) return ['', name];
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
    if (toBytes(name.slice(0, i)).length <= 155 && toBytes(name.slice(i + 1)).length <= 100) return [name.slice(0, i), name.slice(i + 1)];
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = toBytes(body).length + 1;
  while (String(length).length + toBytes(body).length !== length) length++;
  return `${length}${body}`;
}

export function encodeTar(members: readonly TarMember[]): Uint8Array {
  const out: Uint8Array[] = [];
  for (const m of members) {
    const fits = split(m.name);
    let pax = '';
    if (fits === undefined) pax += paxRecord('path', m.name);
    if (toBytes(m.linkname).length > 100) pax += paxRecord('linkpath', m.linkname);
    const common = { mode: m.mode, uid: m.uid, gid: m.gid, mtime: m.mtime };
    if (pax !== '') {
      const body = toBytes(pax);
      out.push(header({ ...common, name: 'PaxHeader', prefix: '', type: 'x', size: body.length, linkname: '' }), ...padded(body));
    }
    const [prefix, name] = fits ?? ['', m.name.slice(-100)];
    out.push(header({ ...common, name, prefix, type: m.type, size: m.type === '0' ? m.data.length : 0, linkname: m.linkname.slice(0, 100) }));
    if (m.type === '0') out.push(...padded(m.data));
  }
  out.push(new Uint8Array(BLOCK * 2));
  return concatBytes(out);
}

export class TarFormatError extends Error {}

function field(block: Uint8Array, offset: number, width: number): string {
  const bytes = block.subarray(offset, offset + width);
  const end = bytes.indexOf(0);
  return toText(end < 0 ? bytes : bytes.subarray(0, end));
}

function number(block: Uint8Array, offset: number, width: number): number {
  const text = field(block, offset, width).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

export function decodeTar(bytes: Uint8Array): TarMember[] {
  const out: TarMember[] = [];
  let at = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  while (at + BLOCK <= bytes.length) {
    const block = bytes.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) break;
    const sum = block.reduce((a, b, i) => a + (i >= 148 && i < 156 ? 32 : b), 0);
    if (sum !== number(block, 148, 8)) throw new TarFormatError('This does not look like a tar archive');
    const size = number(block, 124, 12);
    const data = bytes.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(block[156]!) || '0';
    if (type === 'x' || type === 'g') {
      if (type === 'x') {
        for (const m of toText(data).matchAll(/\d+ (path|linkpath)=([^\n]*)\n/g)) {
          if (m[1] === 'path') longName = m[2];
          else longLink = m[2];
        }
      }
      continue;
    }
    if (type === 'L' || type === 'K') {
      const text = toText(data).replace(/\0+$/, '');
      if (type === 'L') longName = text;
      else longLink = text;
      continue;
    }
    const prefix = field(block, 345, 155);
    const name = longName ?? (prefix === '' ? field(block, 0, 100) : `${prefix}/${field(block, 0, 100)}`);
    const kind = type === '\0' || type === '7' ? '0' : type;
    if (kind === '0' || kind === '1' || kind === '2' || kind === '5') {
      out.push({ name, type: kind, mode: number(block, 100, 8), uid: number(block, 108, 8), gid: number(block, 116, 8), mtime: number(block, 136, 12), linkname: longLink ?? field(block, 157, 100), data: kind === '0' ? data.slice() : new Uint8Array() });
    }
    longName = undefined;
    longLink = undefined;
  }
  return out;
}

async function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const piped = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

export const gzip = (bytes: Uint8Array): Promise<Uint8Array> => transform(bytes, new CompressionStream('gzip'));
export const gunzip = (bytes: Uint8Array): Promise<Uint8Array> => transform(bytes, new DecompressionStream('gzip'));
