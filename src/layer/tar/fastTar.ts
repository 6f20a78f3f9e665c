/**
 * The streaming tar reader's fast path: members of the plain, common subset (subsetHeader.ts)
 * are decoded here, straight from the chunks, without tar-stream's per-member streams and
 * events (most of the reader's time on a layer of many small files). At the first header
 * outside the subset, the rest of the tar goes to tar-stream (parseTar.ts), starting at that
 * member's first header block (its PAX or long-name headers are held until the member's own
 * header is read), so tar-stream sees a tar that starts at a member boundary, as if the members
 * before were its own: it keeps no state across members except a PAX global header, which is
 * outside the subset. Whatever tar-stream would do with the rest (its entries, its errors) is
 * what this does; for the subset both give the same members (test/unit/layer/fastTar.test.ts).
 */
import type { Header } from 'tar-stream';
import { DomainError } from '../../errors/index.js';
import { RangeContent, type DataSink } from '../Content.js';
import { ChunkedContent } from './ChunkedContent.js';
import { errorMessage, formatError } from './errors.js';
import { parseTar, type MemberHandler } from './parseTar.js';
import { BLOCK, padding } from './header.js';
import { OutsideSubset, blockKind, memberFields, memberHeader, takeExtension, type Extensions } from './subsetHeader.js';

const NO_BYTES = new Uint8Array(0);

/** A member whose data is being read. */
interface Reading {
  header: Header;
  keep: boolean;
  left: number;
  chunks: Uint8Array[];
  start: number;
}

/**
 * Calls `onMember` with each member's header and data, in order, as `parseTar` does, with the
 * same errors: tar-stream's for what is outside the subset, its "Unexpected end of data" for a
 * tar cut inside a member, and `onMember`'s own.
 */
export async function parseTarFast(chunks: AsyncGenerator<Uint8Array>, onMember: MemberHandler, sink?: DataSink): Promise<void> {
  const input = chunks[Symbol.asyncIterator]();
  /** The bytes of the current member group (its extensions and header so far), for tar-stream. */
  let held: Uint8Array[] = [];
  let ext: Extensions = {};
  const block = new Uint8Array(BLOCK);
  let filled = 0;
  /** Bytes to pass over (padding), before the next header or extension data. */
  let skip = 0;
  let extension: { typeflag: number; data: Uint8Array; filled: number } | undefined;
  let reading: Reading | undefined;
  /** A member whose data is read, handed out once its padding is. */
  let padded: Reading | undefined;

  const deliver = (header: Header, data: Uint8Array | RangeContent | ChunkedContent): void => {
    try {
      onMember(header, data);
    } catch (error) {
      throw error instanceof DomainError ? error : formatError(`not a valid tar (${errorMessage(error)})`);
    }
  };

  /** The rest of the tar, from the held member group on, read by tar-stream. */
  const handOff = (chunk: Uint8Array, from: number): Promise<void> => {
    const replay = held;
    held = [];
    async function* rest(): AsyncGenerator<Uint8Array> {
      try {
        yield* replay;
        if (from < chunk.length) yield chunk.subarray(from);
        for (let next = await input.next(); next.done !== true; next = await input.next()) yield next.value;
      } finally {
        await input.return?.(undefined);
      }
    }
    return parseTar(rest(), onMember, sink);
  };

  try {
    for (let next = await input.next(); next.done !== true; next = await input.next()) {
      const chunk = next.value;
      let i = 0;
      while (i < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - i);
          // An extension's padding belongs to the held group; a member's data padding does not.
          if (held.length > 0) held.push(chunk.subarray(i, i + n));
          skip -= n;
          i += n;
          if (skip === 0 && padded !== undefined) {
            const r = padded;
            padded = undefined;
            deliverMember(r);
          }
        } else if (reading !== undefined) {
          const r = reading;
          const n = Math.min(r.left, chunk.length - i);
          if (r.keep && n > 0) {
            const data = chunk.subarray(i, i + n);
            if (sink === undefined) r.chunks.push(data);
            else {
              const at = sink.append(data);
              if (r.start < 0) r.start = at;
            }
          }
          r.left -= n;
          i += n;
          if (r.left === 0) {
            reading = undefined;
            finishMember(r);
          }
        } else if (extension !== undefined) {
          const e = extension;
          const n = Math.min(e.data.length - e.filled, chunk.length - i);
          e.data.set(chunk.subarray(i, i + n), e.filled);
          held.push(chunk.subarray(i, i + n));
          e.filled += n;
          i += n;
          if (e.filled === e.data.length) {
            extension = undefined;
            try {
              takeExtension(e.typeflag, e.data, ext);
            } catch (error) {
              if (error instanceof OutsideSubset) return await handOff(chunk, i);
              throw error;
            }
            skip = padding(e.data.length);
          }
        } else {
          let header: Uint8Array;
          if (filled === 0 && chunk.length - i >= BLOCK) {
            header = chunk.subarray(i, i + BLOCK);
            i += BLOCK;
          } else {
            const n = Math.min(BLOCK - filled, chunk.length - i);
            block.set(chunk.subarray(i, i + n), filled);
            filled += n;
            i += n;
            if (filled < BLOCK) continue;
            filled = 0;
            header = block.slice();
          }
          held.push(header);
          if (onHeader(header) === 'outside') return await handOff(chunk, i);
        }
      }
    }
  } catch (error) {
    await input.return?.(undefined);
    throw error;
  }
  // The input ended. Inside a member's data: tar-stream's error (extract.js _final). Inside a
  // member group's headers: tar-stream decides from the held bytes.
  if (reading !== undefined || (skip > 0 && held.length === 0)) throw formatError('not a valid tar (Unexpected end of data)');
  if (filled > 0) held.push(block.slice(0, filled));
  if (held.length > 0) return handOff(NO_BYTES, 0);

  function onHeader(header: Uint8Array): 'outside' | undefined {
    try {
      const { kind, typeflag, size, posix } = blockKind(header);
      if (kind === 'null') {
        // Only as the end-of-archive marker (framing.ts refuses a lone one); tar-stream skips it.
        if (held.length > 1) return 'outside';
        held = [];
        return undefined;
      }
      if (kind === 'extension') {
        extension = { typeflag, data: new Uint8Array(size), filled: 0 };
        if (size === 0) {
          extension = undefined;
          takeExtension(typeflag, NO_BYTES, ext);
        }
        return undefined;
      }
      const decoded = memberHeader(memberFields(header, 0, typeflag, size, posix, ext));
      held = [];
      ext = {};
      // tar-stream never reads a directory's data (memberHeader takes only empty ones).
      const length = decoded.type === 'directory' ? 0 : decoded.size;
      const keep = decoded.type === 'file' || decoded.type === 'contiguous-file';
      const r: Reading = { header: decoded, keep, left: length, chunks: [], start: -1 };
      if (length === 0) finishMember(r);
      else reading = r;
      return undefined;
    } catch (error) {
      if (error instanceof OutsideSubset) return 'outside';
      throw error;
    }
  }

  /**
   * A member is handed out once its padding is read too, as tar-stream does when the input ends
   * inside the padding: the error is then "Unexpected end of data", not what the handler says.
   */
  function finishMember(r: Reading): void {
    skip = padding(r.header.size);
    if (skip > 0) padded = r;
    else deliverMember(r);
  }

  function deliverMember(r: Reading): void {
    const size = r.header.size;
    if (!r.keep || size === 0) deliver(r.header, NO_BYTES);
    else if (sink !== undefined) deliver(r.header, new RangeContent(sink, r.start, size));
    else deliver(r.header, r.chunks.length === 1 ? r.chunks[0]! : new ChunkedContent(r.chunks));
  }
}
