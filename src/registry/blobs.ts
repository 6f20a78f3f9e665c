/**
 * Blobs on a registry (OCI distribution-spec, "Pulling blobs", "Pushing blobs", "Mounting a
 * blob from another repository"): `HEAD` before any upload, a cross-repository mount that
 * may answer 202 ("upload instead", with the upload's `Location`), a monolithic upload
 * `POST` → `PUT <Location>&digest=`, and above a threshold a chunked one, `PATCH` by `PATCH`,
 * resumed from `GET <Location>` after a break.
 */
import { DomainError } from '../errors/index.js';
import { concatBytes } from '../layer/index.js';
import { repositoryScope } from './auth.js';
import type { Call, RegistryClient } from './transport.js';

/** A blob to upload: its digest and size, and its bytes read from any offset. */
export interface BlobSource {
  digest: string;
  size: number;
  open(offset: number): AsyncIterable<Uint8Array>;
}

/** `GET /v2/`: the registry speaks the distribution API (and who may use it). */
export async function ping(client: RegistryClient): Promise<void> {
  const call: Call = { method: 'GET', url: '/v2/' };
  const res = await client.send(call);
  if (res.status !== 200) await client.fail(call, res);
  // The body is a few bytes (`{}`): read to its end, the connection serves the next request,
  // where cancelling the body would close it.
  await res.arrayBuffer();
}

/** The blob's size when the repository has it (`HEAD`), else `undefined`. */
export async function blobSize(client: RegistryClient, repository: string, digest: string, push = false): Promise<number | undefined> {
  const call: Call = { method: 'HEAD', url: `/v2/${repository}/blobs/${digest}`, repository, scope: repositoryScope(repository, push) };
  const res = await client.send(call);
  if (res.status === 404) return undefined;
  if (res.status !== 200) await client.fail(call, res);
  return Number(res.headers.get('content-length') ?? '0');
}

/**
 * Starts an upload, or with `from` asks for a mount: `mounted` when the registry linked the
 * blob (201), else the upload's `Location` (202: a registry that cannot mount answers as for
 * a plain `POST`).
 */
export async function startUpload(client: RegistryClient, repository: string, mount?: { digest: string; from: string }): Promise<{ mounted: true } | { mounted: false; location: string }> {
  const query = mount === undefined ? '' : `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}`;
  const call: Call = { method: 'POST', url: `/v2/${repository}/blobs/uploads/${query}`, repository, scope: repositoryScope(repository, true, mount?.from), headers: { 'content-length': '0' } };
  const res = await client.send(call);
  if (res.status === 201 && mount !== undefined) {
    await res.body?.cancel();
    return { mounted: true };
  }
  if (res.status !== 202) await client.fail(call, res);
  await res.body?.cancel();
  return { mounted: false, location: locationOf(client, call, res) };
}

/** The upload's next `Location`, resolved against the request (it may be relative). */
function locationOf(client: RegistryClient, call: Call, res: Response): string {
  const location = res.headers.get('location');
  if (location === null) throw client.error(call, 'BLOB_UPLOAD_INVALID', `${call.method} answered ${res.status} without a Location`);
  return client.resolve(location, client.resolve(call.url));
}

/** `<Location>&digest=` or `<Location>?digest=`: the Location kept exactly as returned. */
export function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/**
 * Uploads the blob at an upload's `location`: whole in one `PUT` up to the client's chunk
 * threshold, else in `PATCH`es. `sent` is told of each byte the registry took.
 */
export async function uploadBlob(client: RegistryClient, repository: string, location: string, blob: BlobSource, sent?: (n: number) => void): Promise<void> {
  if (client.streamUploads && blob.size > 0) return uploadStreamed(client, repository, location, blob, sent);
  if (blob.size > client.chunkThreshold) return uploadChunked(client, repository, location, blob, sent);
  const bytes = await collect(blob.open(0), blob.size);
  const call: Call = {
    method: 'PUT',
    url: withDigest(location, blob.digest),
    repository,
    scope: repositoryScope(repository, true),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
    retry: false,
  };
  const res = await client.send(call);
  if (res.status !== 201) await client.fail(call, res);
  await res.body?.cancel();
  sent?.(bytes.length);
}

/**
 * The blob as one streamed `PATCH`, then `PUT <Location>&digest=`; after a break, the upload
 * goes on in chunks from where `GET <Location>` says it stands.
 */
async function uploadStreamed(client: RegistryClient, repository: string, start: string, blob: BlobSource, sent?: (n: number) => void): Promise<void> {
  const scope = repositoryScope(repository, true);
  const it = blob.open(0)[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done === true) return controller.close();
      sent?.(next.value.length);
      controller.enqueue(next.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
  const call: Call = { method: 'PATCH', url: start, repository, scope, headers: { 'content-type': 'application/octet-stream' }, body, retry: false };
  let res: Response | undefined;
  try {
    res = await client.send(call);
  } catch {
    // A break: the registry says below how much it has.
  }
  if (res !== undefined && res.status === 202) {
    await res.body?.cancel();
    const location = locationOf(client, call, res);
    const put: Call = { method: 'PUT', url: withDigest(location, blob.digest), repository, scope, headers: { 'content-length': '0' } };
    const done = await client.send(put);
    if (done.status !== 201) await client.fail(put, done);
    await done.body?.cancel();
    return;
  }
  if (res !== undefined && res.status !== 416 && res.status < 500) await client.fail(call, res);
  await res?.body?.cancel();
  const status = await resumePoint(client, repository, start);
  return uploadChunked(client, repository, status.location, blob, sent, status.offset);
}

async function uploadChunked(client: RegistryClient, repository: string, start: string, blob: BlobSource, sent?: (n: number) => void, from = 0): Promise<void> {
  const scope = repositoryScope(repository, true);
  let location = start;
  let offset = from;
  let resumes = 0;
  let pieces = pieceReader(blob.open(from), client.chunkSize);
  while (offset < blob.size) {
    const piece = await pieces.next();
    if (piece === undefined) throw new DomainError('InvalidArgumentError', `blob ${blob.digest} ended at ${offset} of ${blob.size} bytes`, { digest: blob.digest });
    const call: Call = {
      method: 'PATCH',
      url: location,
      repository,
      scope,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + piece.length - 1}`, 'content-length': String(piece.length) },
      body: piece,
      retry: false,
    };
    let res: Response | undefined;
    try {
      res = await client.send(call);
    } catch (error) {
      if (resumes >= 4) throw error;
    }
    if (res !== undefined && res.status === 202) {
      location = locationOf(client, call, res);
      await res.body?.cancel();
      offset += piece.length;
      sent?.(piece.length);
      continue;
    }
    // A break, an out-of-order chunk (416) or a server error: ask where the upload stands.
    if (res !== undefined && res.status !== 416 && res.status < 500) await client.fail(call, res);
    await res?.body?.cancel();
    if (resumes++ >= 4) await client.fail(call, res!);
    const status = await resumePoint(client, repository, location);
    location = status.location;
    offset = status.offset;
    await pieces.close();
    pieces = pieceReader(blob.open(offset), client.chunkSize);
  }
  await pieces.close();
  const call: Call = { method: 'PUT', url: withDigest(location, blob.digest), repository, scope, headers: { 'content-length': '0' } };
  const res = await client.send(call);
  if (res.status !== 201) await client.fail(call, res);
  await res.body?.cancel();
}

/**
 * Where a broken upload goes on: `GET <Location>`; when the registry no longer accepts that
 * Location (docker-registry 2.8 refuses a state whose offset is not the bytes it holds, after
 * a body broke off midway), a new upload from the start.
 */
async function resumePoint(client: RegistryClient, repository: string, location: string): Promise<{ location: string; offset: number }> {
  try {
    return await uploadStatus(client, repository, location);
  } catch {
    const started = await startUpload(client, repository);
    if (started.mounted) throw new Error('unreachable: an upload without mount is never mounted');
    return { location: started.location, offset: 0 };
  }
}

/** `GET <Location>`: how many bytes the upload holds (`Range: 0-N`) and where to go on. */
export async function uploadStatus(client: RegistryClient, repository: string, location: string): Promise<{ location: string; offset: number }> {
  const call: Call = { method: 'GET', url: location, repository, scope: repositoryScope(repository, true) };
  const res = await client.send(call);
  if (res.status !== 204) await client.fail(call, res);
  const range = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get('range') ?? '');
  return { location: res.headers.get('location') === null ? location : locationOf(client, call, res), offset: range === null ? 0 : Number(range[1]) + 1 };
}

/** The blob's bytes as the registry sends them (`GET`, redirects followed; verified by the caller). */
export async function* blobChunks(client: RegistryClient, repository: string, digest: string): AsyncGenerator<Uint8Array> {
  const call: Call = { method: 'GET', url: `/v2/${repository}/blobs/${digest}`, repository, scope: repositoryScope(repository, false) };
  const res = await client.send(call);
  if (res.status !== 200) await client.fail(call, res);
  if (res.body === null) return;
  const reader = res.body.getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw client.error(call, 'NETWORK', `blob ${digest} broke off: ${(error as Error).message}`);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.releaseLock();
    await res.body.cancel().catch(() => undefined);
  }
}

/** Reads a stream of chunks as pieces of `size` bytes (the last may be shorter). */
function pieceReader(chunks: AsyncIterable<Uint8Array>, size: number): { next(): Promise<Uint8Array | undefined>; close(): Promise<void> } {
  const it = chunks[Symbol.asyncIterator]();
  let carry: Uint8Array = new Uint8Array(0);
  let ended = false;
  return {
    async next() {
      const parts: Uint8Array[] = [];
      let length = 0;
      if (carry.length > 0) {
        parts.push(carry);
        length = carry.length;
        carry = new Uint8Array(0);
      }
      while (length < size && !ended) {
        const next = await it.next();
        if (next.done === true) ended = true;
        else {
          parts.push(next.value);
          length += next.value.length;
        }
      }
      if (length === 0) return undefined;
      const piece = concatBytes(parts);
      if (piece.length > size) {
        carry = piece.slice(size);
        return piece.subarray(0, size);
      }
      return piece;
    },
    async close() {
      await it.return?.();
    },
  };
}

async function collect(chunks: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
  }
  if (length !== size) throw new DomainError('InvalidArgumentError', `blob has ${length} bytes, its descriptor says ${size}`, { size, length });
  return concatBytes(parts);
}


/** The chunks from `offset` on (a resumed upload re-reads its source). */
export async function* fromOffset(chunks: AsyncIterable<Uint8Array>, offset: number): AsyncGenerator<Uint8Array> {
  let skip = offset;
  for await (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}
