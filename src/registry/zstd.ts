/**
 * zstd layers (OCI image-spec media-types.md, `+zstd`) decompressed by a pure-JS decoder
 * (fzstd): Node 20's zlib has no zstd, and a native addon would download binaries at install.
 * A caller on a runtime whose zlib has zstd may pass its own decoder instead (`ZstdDecoder`).
 */
import { Decompress } from 'fzstd';

/** Decompresses a zstd stream chunk by chunk. */
export type ZstdDecoder = (compressed: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export const pureJsZstd: ZstdDecoder = async function* (compressed) {
  let out: Uint8Array[] = [];
  const stream = new Decompress((chunk) => {
    out.push(chunk);
  });
  for await (const chunk of compressed) {
    stream.push(chunk);
    if (out.length > 0) {
      const ready = out;
      out = [];
      yield* ready;
    }
  }
  stream.push(new Uint8Array(0), true);
  yield* out;
};
