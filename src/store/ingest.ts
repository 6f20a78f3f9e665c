/**
 * How a layer enters the store, read once and in bounded memory (README, "Streaming"):
 *
 * - its file data goes to a new data pack as the tar is parsed or encoded, so the layer in
 *   memory holds paths and attributes only;
 * - its tar is hashed (the DiffID), compressed and written to a new blob chunk by chunk;
 * - then the blob is named by its digest, the pack is kept under that digest, and the layer's
 *   index is written (the crash-safety order of ImageStore.ts: blob first, caches after).
 *
 * Two ways in. A layer given decoded (a directory import, commit) is stored as its canonical
 * tar (`Layer.tarChunks`), so the same files always make the same DiffID
 * (`storeDecodedLayer`). A layer given as a tar or blob (import of a tar, load, pull) keeps its
 * bytes: its DiffID is the hash of its tar as given, checked against the image's config when
 * there is one (`storeLayerBlob`). A cache rebuilt from a blob reads it the same way
 * (LayerCache.ts `#rebuild`, hashedTar.ts). A pulled layer enters as its blob alone
 * (ImageStore.storePulledBlob): its tar is first read, and checked, at its first use.
 *
 * Memory holds the chunk in flight (about 1 MiB through each stage), the pack's write buffer
 * and the layer's nodes; nothing grows with the size of the files.
 */
import type { BlobStore, BlobWriter } from '../image/index.js';
import { MediaTypes, RunningDigest, isZstd } from '../image/index.js';
import { DomainError } from '../errors/index.js';
import { Layer, RangeContent, defaultTarLimits, tarArchive, type Content, type TarLimits } from '../layer/index.js';
import type { LayerCacheStore, PackWriter } from './backend.js';
import type { LayerCompression } from './compression.js';
import { encodeLayerIndex, type PlacedData } from './layerIndex.js';
import { unzstdChecked } from './layerTarStream.js';
import { Channel } from './hashedTar.js';

/** Counts work done (bytes), e.g. for a progress bar. */
export interface ProgressSink {
  tick(n: number): void;
  /** The total, once the work knows it. */
  setTotal?(total: number): void;
}

/** What storing a layer needs of the store. */
export interface IngestTools {
  blobs: BlobStore;
  caches: LayerCacheStore;
  compression: LayerCompression;
  /** The stored blob of a layer with this DiffID, if the store has one (it is not stored twice). */
  stored(diffId: string): { digest: string; size: number; mediaType: string } | undefined;
  /** Bounds on what a layer tar may declare (see `TarLimits`). */
  limits?: Partial<TarLimits>;
}

/** A stored layer: its DiffID, its blob, and the layer as read (its files in a pack that is closed). */
export interface StoredLayer {
  diffId: string;
  digest: string;
  size: number;
  /** The blob's media type: gzip, or zstd or a plain tar kept as given. */
  mediaType: string;
  layer: Layer;
}

/** Bytes passed between two turns of the event loop (so Ctrl-C is handled within a second). */
const TURN_BYTES = 8 << 20;

/** A macrotask boundary: pending I/O callbacks and signal handlers run before it ends. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The chunks, passed on with `see` called on each, and a turn of the event loop every few MiB. */
export async function* tapped(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, see: (chunk: Uint8Array) => void | Promise<void>): AsyncGenerator<Uint8Array> {
  let sinceTurn = 0;
  for await (const chunk of chunks) {
    await see(chunk);
    yield chunk;
    sinceTurn += chunk.length;
    if (sinceTurn >= TURN_BYTES) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
}

/** Where a layer's files are in `pack`, when every file is a range of it. */
export function placedIn(layer: Layer, pack: PackWriter): PlacedData | undefined {
  for (const path of layer.paths()) {
    const node = layer.node(path)!;
    if (node.kind !== 'file') continue;
    const { content } = node.inode;
    if (content.size > 0 && !(content instanceof RangeContent && content.source === pack)) return undefined;
  }
  return { bytes: pack.size, offsetOf: (inode) => (inode.content instanceof RangeContent ? inode.content.offset : 0) };
}

/** Names the blob, keeps the pack under its digest and writes the index: the end of every way in. */
async function finish(tools: IngestTools, layer: Layer, writer: BlobWriter, pack: PackWriter, placed: PlacedData, tar: { diffId: string; bytes: number }, expectedBlob?: string, mediaType: string = MediaTypes.ociLayerGzip): Promise<StoredLayer> {
  const { diffId } = tar;
  const digest = await writer.commit(expectedBlob);
  const size = writer.size;
  await pack.commit(digest);
  const key = { blob: digest, diffId };
  await tools.caches.write(digest, 'index', [encodeLayerIndex(layer, key, tar.bytes, placed).bytes]);
  return { diffId, digest, size, mediaType, layer };
}

/**
 * Stores a decoded layer as its canonical tar, gzip-compressed: its file data is copied into a
 * new pack, then its tar is encoded, hashed and compressed.
 */
export async function storeDecodedLayer(tools: IngestTools, layer: Layer, progress?: ProgressSink): Promise<StoredLayer> {
  const writer = tools.blobs.writer();
  const pack = tools.caches.packWriter();
  try {
    progress?.setTotal?.(layer.tarSize);
    // One pass: file data goes into the pack as the encoder writes it (each content once, so
    // a hard-linked or shared content is stored once).
    const offsets = new Map<Content, number>();
    const placed: PlacedData = { bytes: 0, offsetOf: (inode) => offsets.get(inode.content) ?? 0 };
    const chunks = layer.tarChunks((content, chunk) => {
      const at = pack.append(chunk);
      if (!offsets.has(content)) offsets.set(content, at);
    });
    const hash = new RunningDigest();
    let tarBytes = 0;
    const tar = tapped(chunks, (chunk) => {
      hash.update(chunk);
      tarBytes += chunk.length;
      progress?.tick(chunk.length);
    });
    for await (const compressed of tools.compression.gzipStream(tar)) await writer.write(compressed);
    const diffId = hash.finish();
    const have = tools.stored(diffId);
    if (have !== undefined) {
      await writer.abort();
      await pack.abort();
      return { diffId, ...have, layer };
    }
    placed.bytes = pack.size;
    return await finish(tools, layer, writer, pack, placed, { diffId, bytes: tarBytes });
  } catch (error) {
    await writer.abort();
    await pack.abort();
    throw error;
  }
}

/**
 * Stores a layer blob as given (a gzip blob, or a zstd one when the store decodes zstd, is kept
 * byte for byte; a plain tar is compressed, or with `keepPlain` and a `diffId` kept as it is, so
 * a pulled image keeps the blob its manifest names), checking, when given, that its tar hashes
 * to `diffId` and the source's bytes to `expectedSource` (the digest a manifest gives the blob:
 * of the compressed bytes, or of the plain tar). The source is read once, and each byte hashed
 * once per digest.
 */
export async function storeLayerBlob(tools: IngestTools, source: AsyncIterable<Uint8Array>, diffId?: string, progress?: ProgressSink, expectedSource?: string, keepPlain = false): Promise<StoredLayer> {
  const what = diffId === undefined ? 'layer' : `layer ${diffId}`;
  const { head, rest } = await peek(source, 4);
  const zstd = isZstd(head);
  if (zstd && tools.compression.unzstdStream === undefined) throw new DomainError('ImageFormatError', `${what} is zstd-compressed, which is not supported`, { what });
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  // A plain tar is kept only when it is read to its end (a DiffID to meet), so the blob is whole.
  const kept = gzipped || zstd || (keepPlain && diffId !== undefined);
  const mediaType = gzipped ? MediaTypes.ociLayerGzip : zstd ? MediaTypes.ociLayerZstd : kept ? MediaTypes.ociLayer : MediaTypes.ociLayerGzip;
  const limits = { ...defaultTarLimits(true), ...tools.limits };
  const writer = tools.blobs.writer();
  const pack = tools.caches.packWriter();
  const hash = new RunningDigest();
  let tarBytes = 0;
  // The tar as stored: up to its end-of-archive marker and the zeros read after it. A tar with
  // no digest to meet is not read past TRAILING_CHECKED bytes of zeros (framing.ts), so one
  // followed by gigabytes of zeros ends at once; one whose DiffID is given is read whole.
  let cut = false;
  const archive = (tar: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> =>
    tarArchive(tar, limits, { withTrailer: true, toEnd: diffId !== undefined, onEnd: (end) => (cut = end.cut) });
  /** The blob write in flight (a kept blob is written while its previous chunk is decompressed). */
  let writing: Promise<void> = Promise.resolve();
  const toParser = new Channel();
  const parsed = Layer.fromTar(toParser.chunks(), { dataSink: pack, limits });
  parsed.catch((error: unknown) => toParser.fail(error));
  const toHashAndParser = async (chunk: Uint8Array): Promise<void> => {
    hash.update(chunk);
    tarBytes += chunk.length;
    await toParser.push(chunk);
  };
  try {
    if (kept) {
      // The blob is the source; the tar is its decompressed stream (or the source itself). A
      // chunk goes on to be decompressed while it is being written: the next write waits for
      // this one (the blob's bytes stay in order), the decompressor does not.
      const blob = tapped(rest, async (chunk) => {
        progress?.tick(chunk.length);
        await writing;
        writing = writer.write(chunk);
        writing.catch(() => undefined);
      });
      const tar = gzipped ? gunzipChecked(tools.compression, blob, what) : zstd ? unzstdChecked(tools.compression, blob, what) : blob;
      for await (const chunk of tapped(archive(tar), toHashAndParser)) void chunk;
      await writing;
    } else {
      // The source is the tar: the parser and the compressor both take it.
      const tar = tapped(archive(tapped(rest, (chunk) => progress?.tick(chunk.length))), toHashAndParser);
      for await (const compressed of tools.compression.gzipStream(tar)) await writer.write(compressed);
    }
    toParser.end();
    const layer = await parsed;
    const actual = hash.finish();
    if (diffId !== undefined && actual !== diffId) {
      throw new DomainError('DigestMismatchError', `layer does not match its DiffID: expected ${diffId}, got ${actual}`, { expected: diffId, actual });
    }
    // A plain tar's blob digest is its tar's; a compressed blob's is checked when it is named.
    if (!gzipped && !zstd && expectedSource !== undefined && actual !== expectedSource) {
      throw new DomainError('DigestMismatchError', `layer blob does not match its digest: expected ${expectedSource}, got ${actual}`, { expected: expectedSource, actual });
    }
    if (cut && kept) {
      // The blob goes on past the archive's end, so it is not the blob of the tar that was read:
      // the layer is stored as its canonical tar instead, as a directory import is.
      await writer.abort();
      try {
        return await storeDecodedLayer(tools, layer, progress);
      } finally {
        await pack.abort();
      }
    }
    // A layer the store has (the same tar, compressed otherwise) keeps its one blob.
    const have = tools.stored(actual);
    if (have !== undefined) {
      await writer.abort();
      await pack.abort();
      return { diffId: actual, ...have, layer };
    }
    const placed = placedIn(layer, pack)!;
    return await finish(tools, layer, writer, pack, placed, { diffId: actual, bytes: tarBytes }, kept ? expectedSource : undefined, mediaType);
  } catch (error) {
    // The parser is let finish (it fails on the cut input) before its pack is dropped.
    toParser.end();
    await parsed.catch(() => undefined);
    await writing.catch(() => undefined);
    await writer.abort();
    await pack.abort();
    throw error;
  }
}

/** gunzip of a layer blob, its errors as the store reports corrupt gzip. */
async function* gunzipChecked(compression: LayerCompression, blob: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  try {
    yield* compression.gunzipStream(blob);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('LayerFormatError', `${what}: gzip data is corrupt (${(error as Error).message})`, { what });
  }
}

/** The first `n` bytes of a stream (fewer if it is shorter), and the whole stream again. */
async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const next = await it.next();
    if (next.done === true) break;
    seen.push(next.value);
    length += next.value.length;
  }
  const head = new Uint8Array(Math.min(n, length));
  let pos = 0;
  for (const chunk of seen) {
    if (pos >= head.length) break;
    const take = chunk.subarray(0, head.length - pos);
    head.set(take, pos);
    pos += take.length;
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* seen;
    for (let next = await it.next(); next.done !== true; next = await it.next()) yield next.value;
  }
  return { head, rest: rest() };
}
