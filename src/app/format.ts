/** The short form of a digest: its first hex digits (12, as Docker shows IDs). */
export function shortId(digest: string, length = 12): string {
  return digest.replace(/^sha256:/, '').slice(0, length);
}
