/**
 * The names that mark whiteouts in a layer tar (OCI image-spec layer.md "Whiteouts"): the reader
 * and the writer both take them from here.
 */

/** `.wh.<name>` removes `<name>` from the layers below; no real file may carry the prefix. */
export const WHITEOUT_PREFIX = '.wh.';
/** `<dir>/.wh..wh..opq` hides everything the layers below have in `<dir>` ("Opaque Whiteout"). */
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Prefix of AUFS bookkeeping names (`.wh..wh.plnk`, `.wh..wh.aufs`, `.wh..wh.orph`). */
export const AUFS_PREFIX = '.wh..wh.';
