/**
 * The canonical OCI layer tar of a layer: the same layer always gives the same bytes, so its
 * DiffID (OCI image-spec config.md "Layer DiffID") is a function of the layer alone. One
 * encoder writes them to a sink: `ChunkSink` collects them (`toTar()`), `HashSink` digests them
 * (`diffId`), so the two cannot drift apart (test/property/tarRoundTrip.test.ts checks them).
 *
 * The canonical form:
 * - members in the order of `layerMembers` (byte order of paths), names relative (`etc/hosts`),
 *   directories with a trailing `/`, an explicit root directory as `./`;
 * - USTAR headers with empty uname/gname, permission bits only, whole-second mtimes, and PAX
 *   records only for what USTAR cannot hold (see header.ts);
 * - whiteouts as empty regular files `.wh.<name>`, mode 0o600 (as moby writes them), and an
 *   opaque directory as its entry followed by `<dir>/.wh..wh..opq` (OCI image-spec layer.md
 *   "Whiteouts" and "Opaque Whiteout");
 * - the second and later names of a hard-linked object as type `1` members pointing at the
 *   first name (OCI image-spec layer.md "Hardlinks");
 * - exactly two zero blocks at the end, like Go's archive/tar (so the empty layer has the
 *   well-known DiffID sha256:5f70bf18…c6ef, test/unit/layer/tar.test.ts).
 */
import { DomainError } from '../../errors/index.js';
import { basename, dirname } from '../../path/index.js';
import { BytesContent, type Content } from '../Content.js';
import { metaFault } from '../meta.js';
import type { Meta } from '../types.js';
import { BLOCK, TYPE_DIR, TYPE_FILE, TYPE_HARDLINK, TYPE_SYMLINK, headersLength, padding, paxData, writeHeaders, type TarHeader } from './header.js';
import { layerMembers, type LayerMember, type LayerTree } from './members.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteout.js';

/** Where the encoder puts the tar's bytes. Every chunk handed over is read-only to the sink. */
export interface TarSink {
  /**
   * Makes room for `length` bytes of headers and returns where they start in `buffer`; the
   * encoder writes every byte of the range before its next call to the sink.
   */
  reserve(length: number): number;
  /** The array the last `reserve` made room in. */
  readonly buffer: Uint8Array;
  /** File data, as the content holds it (never to be written to). */
  data(chunk: Uint8Array): void;
  /** Called before the data of each file, with its content (a sink that copies data keeps where). */
  beginData?(content: Content): void;
  /** `count` zero bytes (padding and the trailer). */
  zeros(count: number): void;
}

/** Largest piece of file data handed to the sink at once. */
const DATA_SLICE = 1 << 20;

/** Attributes of the members that stand for markers rather than objects (whiteouts, `.wh..wh..opq`). */
const MARKER_META: Meta = Object.freeze({ mode: 0o600, uid: 0, gid: 0, mtime: 0, xattrs: Object.freeze({}) });

/**
 * Writes the canonical tar of `layer` to `sink`, pausing after each member's headers and each
 * chunk of file data, so a caller can pass on what the sink holds so far: `tarChunks` stays as
 * lazy as the contents' own chunks.
 */
export function* writeTar(layer: LayerTree, sink: TarSink): Generator<void, void, undefined> {
  const writeHeader = (header: TarHeader): void => {
    const pax = paxData(header);
    const at = sink.reserve(headersLength(pax));
    writeHeaders(header, pax, sink.buffer, at);
  };
  for (const member of layerMembers(layer)) {
    const data = memberHeaders(member, writeHeader);
    yield;
    if (data !== undefined) yield* writeData(data, member.path, sink);
  }
  sink.zeros(2 * BLOCK);
}

/**
 * Bytes of the canonical tar of `layer`, from the same member walk and headers as `writeTar`
 * but without encoding anything: `toTar()` allocates its array once, at the final size.
 */
export function tarLength(layer: LayerTree): number {
  let total = 2 * BLOCK;
  const count = (header: TarHeader): void => {
    total += headersLength(paxData(header));
  };
  for (const member of layerMembers(layer)) {
    const data = memberHeaders(member, count);
    if (data !== undefined) total += data.size + padding(data.size);
  }
  return total;
}

/**
 * The headers of the tar members for one layer member, in order, handed to `emit`; returns the
 * file data that follows them. The one place that decides what a member's headers hold, for
 * both the writer and `tarLength`.
 */
function memberHeaders(member: LayerMember, emit: (header: TarHeader) => void): Content | undefined {
  const { path } = member;
  switch (member.kind) {
    case 'dir': {
      checkMeta(member.meta, path);
      const dirName = path === '/' ? '' : path.slice(1) + '/';
      if (member.written) emit({ name: dirName === '' ? './' : dirName, typeflag: TYPE_DIR, meta: member.meta, linkname: '', size: 0 });
      // `<dir>/.wh..wh..opq`, right after the directory (OCI image-spec layer.md "Opaque Whiteout").
      if (member.opaque) emit({ name: dirName + OPAQUE_MARKER, typeflag: TYPE_FILE, meta: MARKER_META, linkname: '', size: 0 });
      return undefined;
    }
    case 'whiteout': {
      // An empty regular file `.wh.<name>` beside the removed path.
      const parent = dirname(path);
      const name = (parent === '/' ? '' : parent.slice(1) + '/') + WHITEOUT_PREFIX + basename(path);
      emit({ name, typeflag: TYPE_FILE, meta: MARKER_META, linkname: '', size: 0 });
      return undefined;
    }
    case 'object': {
      const { inode } = member;
      const { meta } = inode;
      checkMeta(meta, path);
      const name = path.slice(1);
      if (member.linkTo !== undefined) {
        emit({ name, typeflag: TYPE_HARDLINK, meta, linkname: member.linkTo.slice(1), size: 0 });
        return undefined;
      }
      if (inode.type === 'file') {
        const content = inode.content;
        emit({ name, typeflag: TYPE_FILE, meta, linkname: '', size: content.size });
        return content.size === 0 ? undefined : content;
      }
      emit({ name, typeflag: TYPE_SYMLINK, meta, linkname: inode.target, size: 0 });
      return undefined;
    }
  }
}

/**
 * The content's bytes and padding, one pause per chunk, checking they add up to its declared
 * size (the header already says it).
 */
function* writeData(content: Content, path: string, sink: TarSink): Generator<void, void, undefined> {
  const size = content.size;
  sink.beginData?.(content);
  if (content instanceof BytesContent) {
    // In slices (views, not copies): a consumer that writes or hashes each chunk gets a turn
    // between them, never one 100 MB step (Ctrl-C during a commit, src/store/ingest.ts).
    for (let pos = 0; pos < size; pos += DATA_SLICE) {
      sink.data(size <= DATA_SLICE ? content.bytes : content.bytes.subarray(pos, Math.min(pos + DATA_SLICE, size)));
      yield;
    }
  } else {
    let total = 0;
    for (const chunk of content.chunks()) {
      total += chunk.length;
      if (chunk.length === 0) continue;
      sink.data(chunk);
      yield;
    }
    if (total !== size) {
      throw new DomainError('LayerFormatError', `content of ${path} has ${total} bytes, not its size ${size}`, { path });
    }
  }
  sink.zeros(padding(size));
}

/**
 * The layer's attributes against the one rule (meta.ts). A layer built from entries already
 * passed it; this guards nodes handed to `Layer.fromNodes`.
 */
function checkMeta(meta: Meta, path: string): void {
  // makeMeta masks the mode; a node built by hand may carry one no header can hold.
  const badMode = !Number.isSafeInteger(meta.mode) || meta.mode < 0;
  const fault = badMode ? { key: 'mode' as const } : metaFault(meta);
  if (fault === undefined) return;
  const text =
    fault.key === 'xattr'
      ? `xattr name ${JSON.stringify(fault.name)} cannot be written to a tar: ${path}`
      : `attributes of ${path} cannot be written to a tar`;
  throw new DomainError('LayerFormatError', text, { path });
}
