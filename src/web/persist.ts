/**
 * The page's store survives a reload: a memory backend whose every write is also kept in
 * IndexedDB, and read back into memory when the page opens. Blobs, layout documents and
 * containers are kept; layer caches are not (droppable: src/store/backend.ts, `LayerCacheStore`,
 * rebuilt from the blobs). Writes are queued and saved in one transaction by `flush`, which the
 * page calls after each command.
 */
import type { BlobStore, BlobWriter } from '../image/index.js';
import { MemoryBlobStore } from '../image/index.js';
import { MemoryDocumentStore, MemoryLayerCacheStore, type ContainerFile, type DocumentStore, type LayoutDocument, type StoreBackend, type UpperSegment } from '../store/index.js';

const DB_NAME = 'overlay-page';
const OBJECTS = 'objects';

type Change = { key: string; bytes: Uint8Array } | { key: string; delete: true } | { prefix: string };

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((done, fail) => {
    req.onsuccess = () => done(req.result);
    req.onerror = () => fail(req.error);
  });
}

function openDb(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(OBJECTS);
  return request(req);
}

class PersistedBlobs implements BlobStore {
  constructor(
    private readonly inner: MemoryBlobStore,
    private readonly log: (change: Change) => void,
  ) {}
  has = (d: string): Promise<boolean> => this.inner.has(d);
  get = (d: string): Promise<Uint8Array> => this.inner.get(d);
  list = (): Promise<string[]> => this.inner.list();
  size = (d: string): Promise<number | undefined> => this.inner.size(d);
  chunks = (d: string): AsyncIterable<Uint8Array> => this.inner.chunks(d);
  async put(bytes: Uint8Array, expected?: string): Promise<string> {
    const digest = await this.inner.put(bytes, expected);
    this.log({ key: `blob/${digest}`, bytes: await this.inner.get(digest) });
    return digest;
  }
  async delete(digest: string): Promise<boolean> {
    this.log({ key: `blob/${digest}`, delete: true });
    return this.inner.delete(digest);
  }
  writer(): BlobWriter {
    const writer = this.inner.writer();
    const log = this.log;
    const inner = this.inner;
    return {
      get size() {
        return writer.size;
      },
      write: (chunk) => writer.write(chunk),
      abort: () => writer.abort(),
      async commit(expected) {
        const digest = await writer.commit(expected);
        log({ key: `blob/${digest}`, bytes: await inner.get(digest) });
        return digest;
      },
    };
  }
}

class PersistedDocuments implements DocumentStore {
  constructor(
    private readonly inner: MemoryDocumentStore,
    private readonly log: (change: Change) => void,
  ) {}
  read = (name: LayoutDocument): Promise<Uint8Array | undefined> => this.inner.read(name);
  containerIds = (): Promise<string[]> => this.inner.containerIds();
  readContainer = (id: string, file: ContainerFile): Promise<Uint8Array | undefined> => this.inner.readContainer(id, file);
  containerFileSize = (id: string, file: ContainerFile): Promise<number | undefined> => this.inner.containerFileSize(id, file);
  upperSegments = (id: string): Promise<UpperSegment[]> => this.inner.upperSegments(id);
  readUpperSegment = (id: string, seq: number): Promise<Uint8Array | undefined> => this.inner.readUpperSegment(id, seq);
  async write(name: LayoutDocument, bytes: Uint8Array): Promise<void> {
    await this.inner.write(name, bytes);
    this.log({ key: `doc/${name}`, bytes: bytes.slice() });
  }
  async createContainer(id: string, record: Uint8Array, upper: Uint8Array): Promise<void> {
    await this.inner.createContainer(id, record, upper);
    this.log({ key: `ctr/${id}/container.json`, bytes: record.slice() });
    this.log({ key: `ctr/${id}/upper.tar`, bytes: upper.slice() });
  }
  async writeUpper(id: string, chunks: Iterable<Uint8Array>): Promise<void> {
    await this.inner.writeUpper(id, chunks);
    this.log({ key: `ctr/${id}/upper.tar`, bytes: (await this.inner.readContainer(id, 'upper.tar'))! });
  }
  async appendUpperSegment(id: string, seq: number, chunks: Iterable<Uint8Array>): Promise<void> {
    await this.inner.appendUpperSegment(id, seq, chunks);
    this.log({ key: `seg/${id}/${String(seq).padStart(12, '0')}`, bytes: (await this.inner.readUpperSegment(id, seq))! });
  }
  async dropUpperSegments(id: string, seqs: readonly number[]): Promise<void> {
    await this.inner.dropUpperSegments(id, seqs);
    for (const seq of seqs) this.log({ key: `seg/${id}/${String(seq).padStart(12, '0')}`, delete: true });
  }
  async removeContainer(id: string): Promise<void> {
    await this.inner.removeContainer(id);
    this.log({ prefix: `ctr/${id}/` });
    this.log({ prefix: `seg/${id}/` });
  }
}

export interface PersistedStore {
  backend: StoreBackend;
  /** Saves the writes made since the last flush; resolves once IndexedDB has them. */
  flush(): Promise<void>;
  /** Forgets everything (the page's "reset"). */
  clear(): Promise<void>;
}

/** Opens the page's store from IndexedDB (empty the first time); memory only when IndexedDB is unavailable. */
export async function openPersistedStore(): Promise<PersistedStore> {
  let db: IDBDatabase | undefined;
  try {
    db = await openDb();
  } catch {
    db = undefined;
  }
  const blobs = new MemoryBlobStore();
  const documents = new MemoryDocumentStore();
  if (db !== undefined) {
    const tx = db.transaction(OBJECTS, 'readonly');
    const store = tx.objectStore(OBJECTS);
    const keys = (await request(store.getAllKeys())) as string[];
    const values = (await request(store.getAll())) as Uint8Array[];
    const upper = new Map<string, Uint8Array>();
    const record = new Map<string, Uint8Array>();
    for (let i = 0; i < keys.length; i++) {
      const [kind, a, b] = keys[i]!.split('/') as [string, string, string];
      const bytes = values[i]!;
      if (kind === 'blob') await blobs.put(bytes, a);
      else if (kind === 'doc') await documents.write(a as LayoutDocument, bytes);
      else if (kind === 'ctr' && b === 'container.json') record.set(a, bytes);
      else if (kind === 'ctr' && b === 'upper.tar') upper.set(a, bytes);
    }
    for (const [id, bytes] of record) await documents.createContainer(id, bytes, upper.get(id) ?? new Uint8Array(0));
    for (let i = 0; i < keys.length; i++) {
      const [kind, id, seq] = keys[i]!.split('/') as [string, string, string];
      if (kind === 'seg') await documents.appendUpperSegment(id, Number(seq), [values[i]!]);
    }
  }
  let pending: Change[] = [];
  const log = (change: Change): void => {
    pending.push(change);
  };
  const backend: StoreBackend = { blobs: new PersistedBlobs(blobs, log), documents: new PersistedDocuments(documents, log), caches: new MemoryLayerCacheStore(), location: 'this browser (IndexedDB)' };
  const flush = async (): Promise<void> => {
    const changes = pending;
    pending = [];
    if (db === undefined || changes.length === 0) return;
    const tx = db.transaction(OBJECTS, 'readwrite');
    const store = tx.objectStore(OBJECTS);
    for (const change of changes) {
      if ('prefix' in change) store.delete(IDBKeyRange.bound(change.prefix, `${change.prefix}\uffff`));
      else if ('delete' in change) store.delete(change.key);
      else store.put(change.bytes, change.key);
    }
    await new Promise<void>((done, fail) => {
      tx.oncomplete = () => done();
      tx.onerror = () => fail(tx.error);
      tx.onabort = () => fail(tx.error);
    });
  };
  const clear = async (): Promise<void> => {
    pending = [];
    if (db === undefined) return;
    const tx = db.transaction(OBJECTS, 'readwrite');
    tx.objectStore(OBJECTS).clear();
    await new Promise<void>((done) => (tx.oncomplete = () => done()));
  };
  return { backend, flush, clear };
}
