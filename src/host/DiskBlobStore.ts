import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DomainError } from '../errors/index.js';
import { BLOB_CHUNK, RunningDigest, blobNotFound, checkDigest, verifiedDigest, type BlobStore, type BlobWriter } from '../image/index.js';
import { mkdirDurable, namingPath, renameIntoPlace, syncDir, tempName, writeFileAtomic, writeFileAtomicInChunks } from './atomic.js';
import type { WriteJournal } from './journal.js';
import { nodeCrypto, nodeFsPromises } from './lazyModules.js';

const HEX = /^[0-9a-f]{64}$/;
/** Bytes hashed between two turns of the event loop. */
const HASH_CHUNK = 8 << 20;

/** `sha256:<hex>` of `bytes`, yielding to the event loop between chunks. */
async function digestInChunks(bytes: Uint8Array): Promise<string> {
  const hash = nodeCrypto().createHash('sha256');
  for (let pos = 0; pos < bytes.length; pos += HASH_CHUNK) {
    hash.update(bytes.subarray(pos, Math.min(pos + HASH_CHUNK, bytes.length)));
    await nextTurn();
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The `blobs/sha256/` directory of an OCI image layout as a `BlobStore`. Blobs are written
 * through a temporary file and renamed into place, so a blob file always holds exactly the
 * bytes of its name.
 */
export class DiskBlobStore implements BlobStore {
  readonly dir: string;
  readonly #tmp: string;
  readonly #journal: WriteJournal | undefined;

  constructor(layoutDir: string, tmpDir: string, journal?: WriteJournal) {
    this.dir = join(layoutDir, 'blobs', 'sha256');
    this.#tmp = tmpDir;
    this.#journal = journal;
  }

  path(digest: string): string {
    checkDigest(digest);
    return join(this.dir, digest.slice('sha256:'.length));
  }

  async has(digest: string): Promise<boolean> {
    return this.hasSync(digest);
  }

  hasSync(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  async get(digest: string): Promise<Uint8Array> {
    return this.getSync(digest);
  }

  getSync(digest: string): Uint8Array {
    try {
      return new Uint8Array(readFileSync(this.path(digest)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobNotFound(digest);
      throw error;
    }
  }

  /** `putSync`, hashing and writing a few MiB at a time so the event loop (and Ctrl-C) gets turns. */
  async put(bytes: Uint8Array, expectedDigest?: string): Promise<string> {
    this.#journal?.permit('writing a blob');
    if (bytes.length <= HASH_CHUNK) return this.putSync(bytes, expectedDigest);
    const digest = await digestInChunks(bytes);
    if (expectedDigest !== undefined && digest !== expectedDigest) {
      throw new DomainError('DigestMismatchError', `content does not match its digest: expected ${expectedDigest}, got ${digest}`, { expected: expectedDigest, actual: digest });
    }
    const path = this.path(digest);
    if (!existsSync(path)) {
      await writeFileAtomicInChunks(path, bytes, this.#tmp);
      this.#journal?.created(path);
    }
    return digest;
  }

  putSync(bytes: Uint8Array, expectedDigest?: string): string {
    this.#journal?.permit('writing a blob');
    const digest = verifiedDigest(bytes, expectedDigest);
    const path = this.path(digest);
    if (!existsSync(path)) {
      writeFileAtomic(path, bytes, this.#tmp);
      this.#journal?.created(path);
    }
    return digest;
  }

  /** The blob in chunks, by positioned reads of its file (never whole in memory). */
  async *chunks(digest: string): AsyncIterable<Uint8Array> {
    let file;
    try {
      file = await nodeFsPromises().open(this.path(digest), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw blobNotFound(digest);
      throw error;
    }
    try {
      for (;;) {
        // A fresh buffer per chunk: the consumer may keep it (a gunzip stage, a tar parser).
        const buffer = new Uint8Array(BLOB_CHUNK);
        const { bytesRead } = await file.read(buffer, 0, BLOB_CHUNK, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await file.close();
    }
  }

  /**
   * A blob written to a temporary file as it comes (asynchronous writes, so Ctrl-C is handled
   * between two chunks and WriteJournal.undo removes the file), hashed on the way, and renamed
   * into place by `commit`.
   */
  writer(): BlobWriter {
    this.#journal?.permit('writing a blob');
    mkdirDurable(this.#tmp);
    const tmp = tempName(this.#tmp, 'blob');
    const opening = nodeFsPromises().open(tmp, 'wx', 0o644);
    const digest = new RunningDigest();
    let size = 0;
    let done = false;
    const close = async (): Promise<void> => {
      if (done) return;
      done = true;
      await (await opening).close();
    };
    return {
      get size() {
        return size;
      },
      write: async (chunk: Uint8Array) => {
        const file = await opening;
        digest.update(chunk);
        let pos = 0;
        try {
          while (pos < chunk.length) pos += (await file.write(chunk, pos, chunk.length - pos)).bytesWritten;
        } catch (error) {
          // Named for where the blob was going (its digest is not known yet).
          throw namingPath(error, this.dir);
        }
        size += chunk.length;
      },
      commit: async (expected?: string) => {
        let d: string;
        try {
          d = digest.finish(expected);
          await (await opening).sync();
        } catch (error) {
          await close();
          rmSync(tmp, { force: true });
          throw namingPath(error, this.dir);
        }
        await close();
        const path = this.path(d);
        if (existsSync(path)) rmSync(tmp, { force: true });
        else {
          renameIntoPlace(tmp, path);
          this.#journal?.created(path);
        }
        return d;
      },
      abort: async () => {
        await close().catch(() => undefined);
        rmSync(tmp, { force: true });
      },
    };
  }

  async delete(digest: string): Promise<boolean> {
    this.#journal?.permit(`deleting blob ${digest}`);
    const path = this.path(digest);
    if (!existsSync(path)) return false;
    rmSync(path, { force: true });
    // The deletion is made durable before anything (a cache, the next document) depends on it.
    syncDir(this.dir);
    return true;
  }

  async list(): Promise<string[]> {
    return this.listSync();
  }

  listSync(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => HEX.test(n)).map((n) => `sha256:${n}`).sort();
  }

  async size(digest: string): Promise<number | undefined> {
    return this.sizeSync(digest);
  }

  sizeSync(digest: string): number | undefined {
    try {
      return statSync(this.path(digest)).size;
    } catch {
      return undefined;
    }
  }
}
