/** The column headers of the sizes defined in src/app/sizes.ts: one name for one kind of size. */
export const CONTENT_SIZE = 'CONTENT SIZE';
export const COMPRESSED_SIZE = 'COMPRESSED SIZE';
/** `df` only: bytes on disk. */
export const DISK_SIZE = 'DISK SIZE';
