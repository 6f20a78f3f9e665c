/**
 * The backends the store contract runs against, and wrappers that watch or break a backend:
 * one that checks the crash-safety order on every write, one that fails after N writes (a
 * process killed between two of them).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCompression, openDiskBackend } from '../../../src/host/index.js';
import { parseIndex, parseManifest, type BlobStore } from '../../../src/image/index.js';
import { Store, memoryBackend, type DocumentStore, type LayerCacheStore, type StoreBackend, type StoreOptions } from '../../../src/store/index.js';

export const clock = (): number => Date.UTC(2024, 0, 1);
export const options: StoreOptions = { clock, platform: { os: 'linux', architecture: 'amd64' } };

/** One place a store lives; `backend()` is a fresh handle on it, as a new process would get. */
export interface Place {
  backend(): StoreBackend;
}

export interface BackendSetup {
  name: string;
  place(): Place;
  options: StoreOptions;
}

export const BACKENDS: readonly BackendSetup[] = [
  {
    name: 'memory',
    place: () => {
      const backend = memoryBackend();
      return { backend: () => backend };
    },
    options,
  },
  {
    name: 'disk',
    place: () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'overlay-contract-')), 'store');
      return {
        backend: () => {
          // What DiskStore.open does under its lock, minus the lock (tested in test/unit/host).
          mkdirSync(dir, { recursive: true });
          return openDiskBackend(dir);
        },
      };
    },
    options: { ...options, compression: nodeCompression },
  },
];

export async function openStore(setup: BackendSetup, place: Place, backend: StoreBackend = place.backend()): Promise<Store> {
  return Store.openBackend(backend, setup.options);
}

// ------------------------------------------------------------------------- crash-safety order

/** The blobs a document names, and what those name in turn (manifest → config and layers). */
async function reachable(blobs: BlobStore, manifests: readonly string[]): Promise<{ missing: string[]; all: Set<string> }> {
  const missing: string[] = [];
  const all = new Set<string>();
  for (const digest of manifests) {
    all.add(digest);
    if (!(await blobs.has(digest))) {
      missing.push(digest);
      continue;
    }
    const manifest = parseManifest(await blobs.get(digest));
    for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      all.add(d);
      if (!(await blobs.has(d))) missing.push(d);
    }
  }
  return { missing, all };
}

/**
 * Wraps a backend and records every violation of the order the README promises: a document
 * is written only when every blob it names (through manifests) is stored, and a blob is
 * deleted only when no document names it any more.
 */
export function orderChecked(inner: StoreBackend): { backend: StoreBackend; violations: string[] } {
  const violations: string[] = [];
  const manifestsNamed = async (): Promise<string[]> => {
    const out: string[] = [];
    const index = await inner.documents.read('index.json');
    if (index !== undefined) out.push(...parseIndex(index).manifests.map((m) => m.digest));
    for (const id of await inner.documents.containerIds()) {
      const record = await inner.documents.readContainer(id, 'container.json');
      if (record !== undefined) out.push((JSON.parse(new TextDecoder().decode(record)) as { image: string }).image);
    }
    return out;
  };
  const documents: DocumentStore = {
    read: (name) => inner.documents.read(name),
    containerIds: () => inner.documents.containerIds(),
    readContainer: (id, file) => inner.documents.readContainer(id, file),
    containerFileSize: (id, file) => inner.documents.containerFileSize(id, file),
    writeUpper: (id, chunks) => inner.documents.writeUpper(id, chunks),
    upperSegments: (id) => inner.documents.upperSegments(id),
    readUpperSegment: (id, seq) => inner.documents.readUpperSegment(id, seq),
    appendUpperSegment: (id, seq, chunks) => inner.documents.appendUpperSegment(id, seq, chunks),
    dropUpperSegments: (id, seqs) => inner.documents.dropUpperSegments(id, seqs),
    removeContainer: (id) => inner.documents.removeContainer(id),
    async write(name, bytes) {
      if (name === 'index.json') {
        const { missing } = await reachable(inner.blobs, parseIndex(bytes).manifests.map((m) => m.digest));
        if (missing.length > 0) violations.push(`index.json written before blobs ${missing.join(', ')}`);
      }
      await inner.documents.write(name, bytes);
    },
    async createContainer(id, record, upper) {
      const image = (JSON.parse(new TextDecoder().decode(record)) as { image: string }).image;
      const { missing } = await reachable(inner.blobs, [image]);
      if (missing.length > 0) violations.push(`container ${id} written before blobs ${missing.join(', ')}`);
      await inner.documents.createContainer(id, record, upper);
    },
  };
  const blobs: BlobStore = {
    has: (d) => inner.blobs.has(d),
    get: (d) => inner.blobs.get(d),
    put: (bytes, expected) => inner.blobs.put(bytes, expected),
    chunks: (d) => inner.blobs.chunks(d),
    writer: () => inner.blobs.writer(),
    list: () => inner.blobs.list(),
    size: (d) => inner.blobs.size(d),
    async delete(digest) {
      const { all } = await reachable(inner.blobs, await manifestsNamed());
      if (all.has(digest)) violations.push(`blob ${digest} deleted while a document names it`);
      return inner.blobs.delete(digest);
    },
  };
  const caches: LayerCacheStore = {
    read: (blob, file) => inner.caches.read(blob, file),
    openPack: (blob, size) => inner.caches.openPack(blob, size),
    list: () => inner.caches.list(),
    size: (blob) => inner.caches.size(blob),
    delete: (blob) => inner.caches.delete(blob),
    async write(blob, file, chunks) {
      // A cache is made from its blob, and dropped with it: never one without the other.
      if (!(await inner.blobs.has(blob))) violations.push(`cache ${file} of ${blob} written before its blob`);
      await inner.caches.write(blob, file, chunks);
    },
    packWriter() {
      const w = inner.caches.packWriter();
      return {
        get size() {
          return w.size;
        },
        append: (chunk) => w.append(chunk),
        read: (position, length) => w.read(position, length),
        async commit(blob) {
          if (!(await inner.blobs.has(blob))) violations.push(`pack of ${blob} kept before its blob`);
          await w.commit(blob);
        },
        abort: () => w.abort(),
      };
    },
  };
  return { backend: { blobs, documents, caches, location: inner.location }, violations };
}

/** Thrown by `failingAfter` where a killed process would have stopped. */
export class Killed extends Error {}

/** A backend whose writes (blob puts and deletes, document writes) fail from the `n`-th on. */
export function failingAfter(inner: StoreBackend, n: number): StoreBackend {
  let left = n;
  const step = (): void => {
    if (left-- <= 0) throw new Killed('killed');
  };
  const d = inner.documents;
  const c = inner.caches;
  return {
    location: inner.location,
    caches: {
      read: (blob, file) => c.read(blob, file),
      openPack: (blob, size) => c.openPack(blob, size),
      list: () => c.list(),
      size: (blob) => c.size(blob),
      write: async (blob, file, chunks) => (step(), c.write(blob, file, chunks)),
      packWriter: () => {
        // The crash point of a streamed pack is its commit, when it appears in the store.
        const w = c.packWriter();
        return {
          get size() {
            return w.size;
          },
          append: (chunk) => w.append(chunk),
          read: (position, length) => w.read(position, length),
          commit: async (blob) => {
            try {
              step();
            } catch (error) {
              await w.abort();
              throw error;
            }
            return w.commit(blob);
          },
          abort: () => w.abort(),
        };
      },
      delete: async (blob) => (step(), c.delete(blob)),
    },
    blobs: {
      has: (x) => inner.blobs.has(x),
      get: (x) => inner.blobs.get(x),
      list: () => inner.blobs.list(),
      size: (x) => inner.blobs.size(x),
      put: async (bytes, expected) => (step(), inner.blobs.put(bytes, expected)),
      chunks: (x) => inner.blobs.chunks(x),
      writer: () => {
        // The crash point of a streamed blob is its commit, when it appears in the store.
        const w = inner.blobs.writer();
        return {
          get size() {
            return w.size;
          },
          write: (chunk) => w.write(chunk),
          commit: async (expected) => {
            try {
              step();
            } catch (error) {
              await w.abort();
              throw error;
            }
            return w.commit(expected);
          },
          abort: () => w.abort(),
        };
      },
      delete: async (x) => (step(), inner.blobs.delete(x)),
    },
    documents: {
      read: (name) => d.read(name),
      containerIds: () => d.containerIds(),
      readContainer: (id, file) => d.readContainer(id, file),
      containerFileSize: (id, file) => d.containerFileSize(id, file),
      write: async (name, bytes) => (step(), d.write(name, bytes)),
      createContainer: async (id, record, upper) => (step(), d.createContainer(id, record, upper)),
      writeUpper: async (id, chunks) => (step(), d.writeUpper(id, chunks)),
      upperSegments: (id) => d.upperSegments(id),
      readUpperSegment: (id, seq) => d.readUpperSegment(id, seq),
      appendUpperSegment: async (id, seq, chunks) => (step(), d.appendUpperSegment(id, seq, chunks)),
      dropUpperSegments: async (id, seqs) => (step(), d.dropUpperSegments(id, seqs)),
      removeContainer: async (id) => (step(), d.removeContainer(id)),
    },
  };
}
