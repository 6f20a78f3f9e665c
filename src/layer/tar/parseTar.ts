/**
 * Tar members, via tar-stream: each member's header (PAX and GNU long names already applied) and
 * its data, in order.
 */
import { extract as tarExtract } from 'tar-stream';
import type { ExtractEvents, Header } from 'tar-stream';
import { DomainError } from '../../errors/index.js';
import { RangeContent, type Content, type DataSink } from '../Content.js';
import { ChunkedContent } from './ChunkedContent.js';
import { errorMessage, formatError } from './errors.js';

const NO_BYTES = new Uint8Array(0);

/**
 * A member's data: a view into the input when it arrived in one piece, the views it arrived in
 * (`ChunkedContent`), or, with a `DataSink`, the range of the sink it was appended to. Empty
 * unless the member is a regular file.
 */
export type MemberData = Uint8Array | Content;

/** Called with a member's header and its data. */
export type MemberHandler = (header: Header, data: MemberData) => void;
type Extract = ReturnType<typeof tarExtract>;
/** A member's data stream. */
type MemberStream = ExtractEvents['entry'][1];

/**
 * Runs tar-stream over the chunks, calling `onMember` with each member's header (PAX and GNU
 * long names already applied by tar-stream) and data, in order. Every member's data is read to
 * its end before the next member, so the parser never stalls on an undrained entry. (tar-stream's
 * event interface: its async iterators cost several times more per member.)
 */
export function parseTar(chunks: AsyncGenerator<Uint8Array>, onMember: MemberHandler, sink?: DataSink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const extract = tarExtract();
    let settled = false;
    let finished = false;
    let busy = false;
    let sourceError: { error: unknown } | undefined;

    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      if (!extract.destroyed) extract.destroy();
      if (sourceError !== undefined) reject(sourceError.error);
      else if (error instanceof DomainError) reject(error);
      else reject(formatError(`not a valid tar (${errorMessage(error)})`));
    };
    // The parser can finish while the last member's handler still waits for its stream's end.
    const settleIfDone = (): void => {
      if (finished && !busy && !settled) {
        settled = true;
        resolve();
      }
    };

    // Members without data (directories, empty files) finish synchronously, and tar-stream's
    // `next` parses the following header at once: calling it from inside the handler would
    // nest one stack frame set per member (10,000 directories in a row overflow the stack).
    // `advance` runs the `next` calls one after the other in a loop instead.
    let pendingNext: (() => void) | undefined;
    let advancing = false;
    const advance = (next: () => void): void => {
      pendingNext = next;
      if (advancing) return;
      advancing = true;
      try {
        while (pendingNext !== undefined) {
          const run = pendingNext;
          pendingNext = undefined;
          run();
        }
      } finally {
        advancing = false;
      }
    };

    extract.on('entry', (header, stream, next) => {
      busy = true;
      readMember(header, stream, sink, fail, (data) => {
        if (settled) return;
        try {
          onMember(header, data);
        } catch (error) {
          fail(error);
          return;
        }
        busy = false;
        advance(next);
        settleIfDone();
      });
    });
    extract.on('error', fail);
    extract.on('finish', () => {
      finished = true;
      settleIfDone();
    });
    extract.on('close', () => {
      if (!finished) fail(new Error('the tar parser stopped early'));
    });

    // Feed the parser, respecting its backpressure. Never rejects; stops once the parse is
    // settled (an early error), which also ends the source generator.
    void (async () => {
      try {
        for await (const chunk of chunks) {
          if (settled || extract.destroyed) return;
          if (!extract.write(chunk)) await drained(extract);
        }
        if (!settled && !extract.destroyed) extract.end(undefined);
      } catch (error) {
        // Errors of the gzip stage are already typed; anything else is the input's own.
        if (!(error instanceof DomainError)) sourceError = { error };
        fail(error);
      }
    })();
  });
}

/** Resolves once the parser wants more data, or is gone (then the feeder stops). */
function drained(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

/**
 * Collects a member's data as the views tar-stream hands out (or appends them to `sink`), then
 * calls `done` with the member's data. Views
 * are never copied: tar-stream's BufferList gives out `subarray`s of the chunks written to it
 * (or, for a header split across chunks, a fresh `b4a.concat`) and never writes to them; the
 * chunks are the caller's bytes or the gunzip stage's fresh output (input.ts), which nobody
 * writes to again either. Nothing is allocated from the declared size, so a header alone
 * cannot make the reader reserve gigabytes (a truncated or hostile tar).
 */
function readMember(header: Header, stream: MemberStream, sink: DataSink | undefined, fail: (error: unknown) => void, done: (data: MemberData) => void): void {
  const size = header.size;
  if (!Number.isSafeInteger(size) || size < 0) return fail(formatError(`invalid size in the header of ${header.name}`));
  // tar-stream never reads a directory's data (nor ends its stream when the size is not 0):
  // waiting for it would hang. Any such data is then parsed as a header, and fails.
  if (header.type === 'directory') return done(NO_BYTES);
  // Only regular files keep their data; for other members it is read and dropped.
  const keep = header.type === 'file' || header.type === 'contiguous-file';
  const chunks: Uint8Array[] = [];
  let start = -1;
  let pos = 0;
  stream.on('data', (data) => {
    const chunk = data as Uint8Array;
    if (pos + chunk.length > size) return fail(formatError(`member ${header.name} has more data than its size`));
    if (keep && chunk.length > 0) {
      // Appended in order, one member at a time: a member's data is one range of the sink.
      if (sink === undefined) chunks.push(chunk);
      else {
        const at = sink.append(chunk);
        if (start < 0) start = at;
      }
    }
    pos += chunk.length;
  });
  stream.on('end', () => {
    if (pos !== size) return fail(formatError(`member ${header.name} is truncated`));
    if (!keep || size === 0) done(NO_BYTES);
    else if (sink !== undefined) done(new RangeContent(sink, start, size));
    else done(chunks.length === 1 ? chunks[0]! : new ChunkedContent(chunks));
  });
  stream.on('error', fail);
}
