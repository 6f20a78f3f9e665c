import { MemoryBlobStore } from '../image/index.js';
import { concatBytes, type PositionedReader } from '../layer/index.js';
import type { ContainerFile, DocumentStore, LayerCacheFile, LayerCacheStore, LayoutDocument, PackWriter, StoreBackend, UpperSegment } from './backend.js';

/** Documents in maps (browsers, tests). Bytes are copied in and out, as a disk would. */
export class MemoryDocumentStore implements DocumentStore {
  readonly #documents = new Map<LayoutDocument, Uint8Array>();
  readonly #containers = new Map<string, Map<ContainerFile, Uint8Array>>();
  /** Each container's writable-layer segments by number. */
  readonly #segments = new Map<string, Map<number, Uint8Array>>();

  async read(name: LayoutDocument): Promise<Uint8Array | undefined> {
    return this.#documents.get(name)?.slice();
  }

  async write(name: LayoutDocument, bytes: Uint8Array): Promise<void> {
    this.#documents.set(name, bytes.slice());
  }

  async containerIds(): Promise<string[]> {
    return [...this.#containers.keys()].sort();
  }

  async readContainer(id: string, file: ContainerFile): Promise<Uint8Array | undefined> {
    return this.#containers.get(id)?.get(file)?.slice();
  }

  async containerFileSize(id: string, file: ContainerFile): Promise<number | undefined> {
    return this.#containers.get(id)?.get(file)?.length;
  }

  async createContainer(id: string, record: Uint8Array, upper: Uint8Array): Promise<void> {
    this.#containers.set(
      id,
      new Map<ContainerFile, Uint8Array>([
        ['container.json', record.slice()],
        ['upper.tar', upper.slice()],
      ]),
    );
  }

  async writeUpper(id: string, chunks: Iterable<Uint8Array>): Promise<void> {
    const files = this.#containers.get(id);
    if (files === undefined) this.#containers.set(id, new Map([['upper.tar', concatBytes([...chunks]).slice()]]));
    else files.set('upper.tar', concatBytes([...chunks]).slice());
  }

  async upperSegments(id: string): Promise<UpperSegment[]> {
    const segments = [...(this.#segments.get(id) ?? new Map<number, Uint8Array>())];
    return segments.map(([seq, bytes]) => ({ seq, size: bytes.length })).sort((a, b) => a.seq - b.seq);
  }

  async readUpperSegment(id: string, seq: number): Promise<Uint8Array | undefined> {
    return this.#segments.get(id)?.get(seq)?.slice();
  }

  async appendUpperSegment(id: string, seq: number, chunks: Iterable<Uint8Array>): Promise<void> {
    let segments = this.#segments.get(id);
    if (segments === undefined) this.#segments.set(id, (segments = new Map()));
    segments.set(seq, concatBytes([...chunks, new Uint8Array(0)]));
  }

  async dropUpperSegments(id: string, seqs: readonly number[]): Promise<void> {
    const segments = this.#segments.get(id);
    for (const seq of seqs) segments?.delete(seq);
  }

  async removeContainer(id: string): Promise<void> {
    this.#containers.delete(id);
    this.#segments.delete(id);
  }
}

/** Layer caches in a map; a pack's reads are views of its bytes. */
export class MemoryLayerCacheStore implements LayerCacheStore {
  readonly #files = new Map<string, Map<LayerCacheFile, Uint8Array>>();

  async read(blob: string, file: LayerCacheFile): Promise<Uint8Array | undefined> {
    return this.#files.get(blob)?.get(file)?.slice();
  }

  async write(blob: string, file: LayerCacheFile, chunks: Iterable<Uint8Array>): Promise<void> {
    let files = this.#files.get(blob);
    if (files === undefined) this.#files.set(blob, (files = new Map()));
    files.set(file, concatBytes([...chunks, new Uint8Array(0)]));
  }

  openPack(blob: string, size: number): PositionedReader | undefined {
    const bytes = this.#files.get(blob)?.get('pack');
    if (bytes === undefined || bytes.length !== size) return undefined;
    return { read: (position, length) => bytes.subarray(position, position + length) };
  }

  packWriter(): PackWriter {
    const parts: Uint8Array[] = [];
    let size = 0;
    let joined: Uint8Array | undefined;
    const whole = (): Uint8Array => (joined ??= concatBytes([...parts, new Uint8Array(0)]));
    return {
      get size() {
        return size;
      },
      append(chunk) {
        const at = size;
        parts.push(chunk.slice());
        size += chunk.length;
        joined = undefined;
        return at;
      },
      read: (position, length) => whole().subarray(position, position + length),
      commit: async (blob) => this.write(blob, 'pack', [whole()]),
      abort: async () => {
        parts.length = 0;
      },
    };
  }

  async list(): Promise<string[]> {
    return [...this.#files.keys()].sort();
  }

  async size(blob: string): Promise<number> {
    let total = 0;
    for (const bytes of this.#files.get(blob)?.values() ?? []) total += bytes.length;
    return total;
  }

  async delete(blob: string): Promise<void> {
    this.#files.delete(blob);
  }
}

/** A store backend that lives in memory: blobs, documents and layer caches in maps. */
export function memoryBackend(): StoreBackend {
  return { blobs: new MemoryBlobStore(), documents: new MemoryDocumentStore(), caches: new MemoryLayerCacheStore(), location: 'memory' };
}
