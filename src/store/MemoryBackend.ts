import { MemoryBlobStore } from '../image/index.js';
import { concatBytes } from '../layer/index.js';
import type { ContainerFile, DocumentStore, LayoutDocument, StoreBackend } from './backend.js';

/** Documents in maps (browsers, tests). Bytes are copied in and out, as a disk would. */
export class MemoryDocumentStore implements DocumentStore {
  readonly #documents = new Map<LayoutDocument, Uint8Array>();
  readonly #containers = new Map<string, Map<ContainerFile, Uint8Array>>();

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

  async removeContainer(id: string): Promise<void> {
    this.#containers.delete(id);
  }
}

/** A store backend that lives in memory: a `MemoryBlobStore` and a `MemoryDocumentStore`. */
export function memoryBackend(): StoreBackend {
  return { blobs: new MemoryBlobStore(), documents: new MemoryDocumentStore(), location: 'memory' };
}
