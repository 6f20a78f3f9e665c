/**
 * Where the regular files of a tar file are, found by reading its member headers only (the
 * data between them is skipped), so an archive of any size is indexed in a few reads. Handles
 * USTAR names with a prefix, PAX extended headers (`path`, `size`) and GNU long names
 * (`././@LongLink`, type L), as GNU tar's "Basic Tar Format" and POSIX pax describe them.
 */
import type { FileHandle } from 'node:fs/promises';
import { DomainError } from '../errors/index.js';

const BLOCK = 512;
/** Largest PAX or GNU long-name record read: names and attributes, never file data. */
const MAX_META = 1 << 20;

/** A regular file of the tar: its data is `size` bytes at `offset` of the tar file. */
export interface TarMember {
  offset: number;
  size: number;
}

/** A member name made relative and clean; `undefined` when it climbs out (`..`). */
export function cleanName(raw: string): string | undefined {
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}

const decoder = new TextDecoder();

function text(block: Uint8Array, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** A numeric field: octal text, or base-256 when the high bit of its first byte is set (GNU). */
function number(block: Uint8Array, at: number, length: number): number {
  if ((block[at]! & 0x80) !== 0) {
    let value = block[at]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[at + i]!;
    return value;
  }
  const digits = text(block, at, length).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  const stored = number(block, 148, 8);
  return stored === unsigned || stored === signed;
}

/** PAX records `"<len> <key>=<value>\n"` (POSIX pax, "pax Extended Header"). */
function paxRecords(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < bytes.length) {
    const space = bytes.indexOf(0x20, pos);
    if (space < 0) break;
    const length = parseInt(decoder.decode(bytes.subarray(pos, space)), 10);
    if (!(length > 0) || pos + length > bytes.length) break;
    const record = decoder.decode(bytes.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return out;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buffer : buffer.subarray(0, got);
}

/**
 * The regular files of the tar in `file` (`fileSize` bytes), by clean relative name (the last
 * one wins, as extraction would leave it). Names that climb out of the archive are refused
 * (`UnsafeTarEntryError`), a file cut short by the end of the tar too (`ImageFormatError`).
 */
export async function scanTar(file: FileHandle, fileSize: number, what: string): Promise<Map<string, TarMember>> {
  const invalid = (why: string): DomainError => new DomainError('ImageFormatError', `${what} is not a valid tar archive (${why})`, { what });
  const members = new Map<string, TarMember>();
  let longName: string | undefined;
  let pax = new Map<string, string>();
  let pos = 0;
  while (pos < fileSize) {
    const block = await readAt(file, pos, BLOCK);
    if (block.length < BLOCK) throw invalid('unexpected end of data');
    if (block.every((b) => b === 0)) break;
    if (!checksumOk(block)) throw invalid('invalid tar header');
    const type = block[156] === 0 ? '0' : String.fromCharCode(block[156]!);
    let size = number(block, 124, 12);
    const dataAt = pos + BLOCK;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (dataAt + size > fileSize) throw invalid('unexpected end of data');
      if (type === 'x' || type === 'L') {
        if (size > MAX_META) throw invalid(`extended header of ${size} bytes`);
        const data = await readAt(file, dataAt, size);
        if (type === 'x') pax = paxRecords(data);
        else longName = text(data, 0, data.length);
      }
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      continue;
    }
    // "ustar\0" (POSIX) has a prefix field; "ustar  \0" (old GNU) uses those bytes otherwise.
    const posix = text(block, 257, 6) === 'ustar' && block[262] === 0;
    const prefix = posix ? text(block, 345, 155) : '';
    const headerName = prefix === '' ? text(block, 0, 100) : `${prefix}/${text(block, 0, 100)}`;
    const rawName = pax.get('path') ?? longName ?? headerName;
    const paxSize = pax.get('size');
    if (paxSize !== undefined && /^\d+$/.test(paxSize)) size = Number(paxSize);
    longName = undefined;
    pax = new Map();
    const name = cleanName(rawName);
    if (name === undefined) throw new DomainError('UnsafeTarEntryError', `${what}: entry name climbs out of the archive: ${rawName}`, { path: rawName });
    const regular = type === '0' || type === '7';
    if (dataAt + size > fileSize) {
      if (regular) throw new DomainError('ImageFormatError', `${what}: ${rawName} is cut short`, { what });
      throw invalid('unexpected end of data');
    }
    if (regular) members.set(name, { offset: dataAt, size });
    pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
  }
  return members;
}
