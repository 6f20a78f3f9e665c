/**
 * Containers: each is a record (`container.json`: name, image by manifest digest, creation
 * time) and a writable layer (`upper.tar`, an OCI layer tar, plus the segments later saves
 * appended: upperLog.ts), kept by the `DocumentStore`. Records are read on first use and cached.
 */
import { sha256Digest } from '../digest/index.js';
import { DomainError } from '../errors/index.js';
import { encodeJson, parseJson } from '../image/index.js';
import { Layer } from '../layer/index.js';
import { upperChanges, upperSaved, type Overlay } from '../overlay/index.js';
import type { DocumentStore } from './backend.js';
import { notFound, type ContainerRecord, type ImageRecord } from './records.js';
import { MAX_SEGMENTS, applySegments, decodeSegment, encodeSegment, type UpperSegmentContent } from './upperLog.js';

const CONTAINER_ID = /^[0-9a-f]{64}$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The name a new container gets when none is given: `IMAGE-N`, from the image's first name. */
function defaultName(image: ImageRecord, imageName: string | undefined, taken: (name: string) => boolean): string {
  const base = (image.names[0] ?? imageName ?? 'container').replace(/:.*$/, '').replace(/^.*\//, '').replace(/[^a-zA-Z0-9_.-]/g, '_') || 'container';
  let n = 1;
  while (taken(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** Refuses a damaged container (all it can do is be removed). */
export function usable(container: ContainerRecord): void {
  if (container.damaged === undefined) return;
  throw new DomainError('ImageFormatError', `container ${container.id.slice(0, 12)} is damaged (${container.damaged}): remove it with \`overlay rm -f ${container.id.slice(0, 12)}\``, {
    container: container.id,
  });
}

export class ContainerStore {
  readonly #documents: DocumentStore;
  /** Where the store is, for messages. */
  readonly #location: string;
  #records: ContainerRecord[] | undefined;
  /** Containers whose record does not read, by ID (see `ContainerRecord.damaged`). */
  #damaged: ContainerRecord[] = [];

  constructor(documents: DocumentStore, location: string) {
    this.#documents = documents;
    this.#location = location;
  }

  /** Every container, oldest first. */
  async list(): Promise<ContainerRecord[]> {
    if (this.#records !== undefined) return this.#records;
    const out: ContainerRecord[] = [];
    const damaged: ContainerRecord[] = [];
    for (const id of await this.#documents.containerIds()) {
      if (!CONTAINER_ID.test(id)) continue;
      const bytes = await this.#documents.readContainer(id, 'container.json');
      if (bytes === undefined) continue;
      try {
        out.push(this.#record(id, bytes));
      } catch (error) {
        // One unreadable record must not stop the commands on the other containers.
        damaged.push({ id, name: id.slice(0, 12), image: '', imageId: '', created: '', damaged: (error as Error).message });
      }
    }
    out.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.name.localeCompare(b.name)));
    this.#records = out;
    this.#damaged = damaged;
    return out;
  }

  #record(id: string, bytes: Uint8Array): ContainerRecord {
    const what = `${this.#location}/containers/${id}/container.json`;
    const value = parseJson(bytes, what) as Partial<ContainerRecord>;
    if (value === null || typeof value !== 'object' || typeof value.name !== 'string' || typeof value.image !== 'string') {
      throw new DomainError('ImageFormatError', `${what}: not a container record`, { path: what });
    }
    const { damaged: _damaged, ...record } = value;
    void _damaged;
    return { ...record, id } as ContainerRecord;
  }

  /** The containers whose record does not read. */
  async damaged(): Promise<ContainerRecord[]> {
    await this.list();
    return this.#damaged;
  }

  /** By name, full ID or unique ID prefix (a damaged container by ID or prefix only). */
  async find(ref: string): Promise<ContainerRecord | undefined> {
    const all = [...(await this.list()), ...this.#damaged];
    const exact = all.find((c) => c.name === ref || c.id === ref);
    if (exact !== undefined) return exact;
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const matches = all.filter((c) => c.id.startsWith(ref));
    if (matches.length > 1) throw new DomainError('InvalidArgumentError', `ambiguous container ID prefix ${ref}`, { ref });
    return matches[0];
  }

  async resolve(ref: string): Promise<ContainerRecord> {
    const container = await this.find(ref);
    if (container === undefined) throw notFound('container', ref);
    return container;
  }

  /** A new container on an image: its record and an empty writable layer, created together. */
  async create(image: ImageRecord, created: string, options: { name?: string; imageName?: string } = {}): Promise<ContainerRecord> {
    const all = await this.list();
    let name = options.name;
    if (name !== undefined) {
      if (!CONTAINER_NAME.test(name)) {
        throw new DomainError('InvalidArgumentError', `invalid container name ${JSON.stringify(name)}: use letters, digits and _ . - (not first)`, { name });
      }
      if (all.some((c) => c.name === name)) throw new DomainError('InvalidArgumentError', `container name ${name} is already in use`, { name });
    } else {
      name = defaultName(image, options.imageName, (n) => all.some((c) => c.name === n));
    }
    const ids = new Set(await this.#documents.containerIds());
    let id = '';
    for (let nonce = all.length; ; nonce++) {
      id = sha256Digest(new TextEncoder().encode(`${image.id}\n${name}\n${created}\n${nonce}`)).slice(7);
      if (!ids.has(id)) break;
    }
    const record: ContainerRecord = { id, name, image: image.manifestDigest, imageId: image.id, created };
    if (options.imageName !== undefined) record.imageName = options.imageName;
    const { id: _id, ...stored } = record;
    void _id;
    await this.#documents.createContainer(id, encodeJson(stored), Layer.fromEntries([]).toTar());
    this.#records = undefined;
    return record;
  }

  /** The container's writable layer as saved: the base, then each segment in order. */
  async upper(container: ContainerRecord): Promise<Layer> {
    usable(container);
    const bytes = await this.#documents.readContainer(container.id, 'upper.tar');
    const base = bytes === undefined ? Layer.fromEntries([]) : await Layer.fromTar(bytes);
    const segments: UpperSegmentContent[] = [];
    for (const { seq } of await this.#documents.upperSegments(container.id)) {
      const segment = await this.#documents.readUpperSegment(container.id, seq);
      const what = `${this.#location}/containers/${container.id}/upper.${seq}.seg`;
      if (segment !== undefined) segments.push(await decodeSegment(segment, what));
    }
    return segments.length === 0 ? base : applySegments(base, segments, `${this.#location}/containers/${container.id}`);
  }

  /** Bytes the saved writable layer takes: its base and its segments (0 when there is none). */
  async upperSize(container: ContainerRecord): Promise<number> {
    let total = (await this.#documents.containerFileSize(container.id, 'upper.tar')) ?? 0;
    for (const { size } of await this.#documents.upperSegments(container.id)) total += size;
    return total;
  }

  /**
   * Saves a mounted container's writable layer: appends what changed since it was mounted as
   * one segment, or, when the segments would outgrow the base (or number more than
   * `MAX_SEGMENTS`), rewrites the base whole and drops them.
   */
  async saveUpper(container: ContainerRecord, overlay: Overlay): Promise<void> {
    usable(container);
    const id = container.id;
    const changes = upperChanges(overlay);
    if (changes !== undefined && changes.changes.length === 0) return;
    const segments = await this.#documents.upperSegments(id);
    if (changes !== undefined && segments.length < MAX_SEGMENTS) {
      const chunks = encodeSegment(changes);
      let bytes = 0;
      for (const chunk of chunks) bytes += chunk.length;
      for (const { size } of segments) bytes += size;
      const base = (await this.#documents.containerFileSize(id, 'upper.tar')) ?? 0;
      if (bytes <= base) {
        await this.#documents.appendUpperSegment(id, (segments.at(-1)?.seq ?? 0) + 1, chunks);
        upperSaved(overlay);
        return;
      }
    }
    // The base first, then the segments it now includes: killed in between, the segments
    // apply again to a base that already has their states, which changes nothing (upperLog.ts).
    await this.#documents.writeUpper(id, overlay.commitSync().tarChunks());
    if (segments.length > 0) await this.#documents.dropUpperSegments(id, segments.map((s) => s.seq));
    upperSaved(overlay);
  }

  async remove(container: ContainerRecord): Promise<void> {
    await this.#documents.removeContainer(container.id);
    this.#records = undefined;
  }
}
