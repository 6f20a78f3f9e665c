/**
 * A container's writable layer on disk is a base and a log of segments:
 *
 *   containers/<id>/upper.tar          the base: the whole upper as an OCI layer tar
 *   containers/<id>/upper.<n>.seg      segment n (1, 2, ...): what one save changed
 *
 * Reading applies the base, then each segment in ascending order. A save appends one segment
 * holding only the paths its command changed (cow/upper.ts `ChangedPaths`, overlay
 * `upperChanges`), so `write` of one small file costs that file, not the whole upper. When the
 * segments outgrow the base, or there are `MAX_SEGMENTS` of them, the save compacts instead:
 * it rewrites the base whole from the mount (as every save did before), then drops the segments.
 *
 * A segment is three parts:
 *
 *   "overlay-upper-segment 1\n"              magic and format version (ASCII)
 *   u32 big-endian length, then that many    a JSON array of [path, scope, state]: scope "R"
 *     bytes of UTF-8 JSON                    replaces the subtree at path, "N" the node alone;
 *                                            state "e" takes the tar's entry, "i" an implicit
 *                                            directory, "g" removes the path (and what is below)
 *   an OCI layer tar                         the nodes at and below those paths, as commit
 *                                            writes them (whiteouts, opaque markers, hard links)
 *
 * "Removed" is not a whiteout: a whiteout is a node the upper holds (it hides a lower name),
 * while "g" says the upper no longer holds anything at the path, as after removing a file
 * that only the upper had. Every record sets the state of its paths, so applying a segment
 * twice changes nothing: a compaction killed after writing the new base but before dropping
 * the segments leaves segments whose states the base already has (test/unit/store/contract.test.ts,
 * "crash at any write").
 */
import { DomainError } from '../errors/index.js';
import { DEFAULT_DIR_META, Layer, type LayerNode } from '../layer/index.js';
import type { UpperChanges } from '../overlay/index.js';
import { dirname } from '../path/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAGIC = encoder.encode('overlay-upper-segment 1\n');
/** Compact when there would be more segments than this. */
export const MAX_SEGMENTS = 64;

type Scope = 'R' | 'N';
type State = 'e' | 'i' | 'g';
type SegmentRecord = [path: string, scope: Scope, state: State];

/** A decoded segment: its records and the layer holding their nodes. */
export interface UpperSegmentContent {
  readonly records: readonly SegmentRecord[];
  readonly layer: Layer;
}

/** The bytes of a segment for these changes. */
export function encodeSegment(changes: UpperChanges): Uint8Array[] {
  // Paths as the tar carries them: UTF-8, where a lone surrogate becomes U+FFFD.
  const records: SegmentRecord[] = changes.changes.map((c) => [decoder.decode(encoder.encode(c.path)), c.scope === 'subtree' ? 'R' : 'N', c.state === 'entry' ? 'e' : c.state === 'implicit' ? 'i' : 'g']);
  const json = encoder.encode(JSON.stringify(records));
  const head = new Uint8Array(MAGIC.length + 4 + json.length);
  head.set(MAGIC, 0);
  new DataView(head.buffer).setUint32(MAGIC.length, json.length);
  head.set(json, MAGIC.length + 4);
  return [head, ...changes.layer.tarChunks()];
}

function segmentError(what: string, message: string): DomainError {
  return new DomainError('LayerFormatError', `${what}: ${message}`, { path: what });
}

/** Reads a segment (`what` names it in errors). */
export async function decodeSegment(bytes: Uint8Array, what: string): Promise<UpperSegmentContent> {
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) throw segmentError(what, 'not a writable-layer segment');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + length > bytes.length) throw segmentError(what, 'truncated');
  let records: unknown;
  try {
    records = JSON.parse(decoder.decode(bytes.subarray(start, start + length)));
  } catch {
    throw segmentError(what, 'unreadable record list');
  }
  if (!Array.isArray(records) || !records.every(isRecord)) throw segmentError(what, 'unreadable record list');
  return { records, layer: await Layer.fromTar(bytes.subarray(start + length)) };
}

function isRecord(r: unknown): r is SegmentRecord {
  return Array.isArray(r) && r.length === 3 && typeof r[0] === 'string' && r[0].startsWith('/') && (r[1] === 'R' || r[1] === 'N') && (r[2] === 'e' || r[2] === 'i' || r[2] === 'g');
}

/** `path` or one of its ancestors is in `set`. */
function under(path: string, set: ReadonlySet<string>): boolean {
  for (let p = path; ; p = dirname(p)) {
    if (set.has(p)) return true;
    if (p === '/') return false;
  }
}

/** The base with the segments applied in order: the layer a whole save would have written. */
export function applySegments(base: Layer, segments: readonly UpperSegmentContent[], what: string): Layer {
  const nodes = new Map<string, LayerNode>();
  for (const path of base.paths()) nodes.set(path, base.node(path)!);
  for (const segment of segments) applySegment(nodes, segment, what);
  dropEmptyImplicitDirs(nodes);
  return Layer.fromNodes(nodes);
}

function applySegment(nodes: Map<string, LayerNode>, { records, layer }: UpperSegmentContent, what: string): void {
  // What a replaced subtree held goes first (only directories have anything below them).
  const replaced = new Set<string>();
  let dirReplaced = false;
  for (const [path, scope] of records) {
    if (scope !== 'R') continue;
    replaced.add(path);
    if (nodes.get(path)?.kind === 'dir') dirReplaced = true;
  }
  if (dirReplaced) for (const path of [...nodes.keys()]) if (under(path, replaced)) nodes.delete(path);
  for (const [path, , state] of records) {
    if (state === 'g') nodes.delete(path);
    else if (state === 'i') nodes.set(path, { kind: 'dir', meta: DEFAULT_DIR_META, opaque: false, implicit: true });
    else {
      const node = layer.node(path);
      if (node === undefined || (node.kind === 'dir' && node.implicit)) throw segmentError(what, `no entry for ${path}`);
      nodes.set(path, node);
    }
  }
  // The new subtrees: every node the segment's layer has strictly below a replaced path.
  if (replaced.size === 0) return;
  for (const path of layer.paths()) if (path !== '/' && !replaced.has(path) && under(dirname(path), replaced)) nodes.set(path, layer.node(path)!);
}

/**
 * An implicit directory exists in a layer tar only as the parent of an entry below it, so a
 * whole save of the same upper would not have one left without entries below: drop those.
 */
function dropEmptyImplicitDirs(nodes: Map<string, LayerNode>): void {
  const needed = new Set<string>();
  for (const [path, node] of nodes) {
    if (node.kind === 'dir' && node.implicit) continue;
    for (let p = path; p !== '/'; ) {
      p = dirname(p);
      if (needed.has(p)) break;
      needed.add(p);
    }
  }
  for (const [path, node] of nodes) if (node.kind === 'dir' && node.implicit && !needed.has(path)) nodes.delete(path);
}
