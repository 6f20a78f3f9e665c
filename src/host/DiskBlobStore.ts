import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { blobNotFound, checkDigest, verifiedDigest, type BlobStore } from '../image/index.js';
import { writeFileAtomic } from './atomic.js';
import type { WriteJournal } from './journal.js';

const HEX = /^[0-9a-f]{64}$/;

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

  async put(bytes: Uint8Array, expectedDigest?: string): Promise<string> {
    return this.putSync(bytes, expectedDigest);
  }

  putSync(bytes: Uint8Array, expectedDigest?: string): string {
    const digest = verifiedDigest(bytes, expectedDigest);
    const path = this.path(digest);
    if (!existsSync(path)) {
      writeFileAtomic(path, bytes, this.#tmp);
      this.#journal?.created(path);
    }
    return digest;
  }

  async delete(digest: string): Promise<boolean> {
    const path = this.path(digest);
    if (!existsSync(path)) return false;
    rmSync(path, { force: true });
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
