/**
 * The page's store as the views read it: where it is (the OVERLAY_STORE of the page's
 * commands) and how to open it. Kept apart from ./session.ts, which runs the CLI: the first
 * render needs the store and the views only, not the CLI's commands (loaded right after, see
 * ./main.ts). Nothing here imports src/cli: with code splitting, esbuild would make the first
 * chunk import the whole CLI through its index's re-exports.
 */
import { DiskStore } from './host/index.js';

/** Where the page's commands find their store (OVERLAY_STORE). */
export const STORE_DIR = '/home/learner/.overlay';

/** The page's store, opened for reading what the views draw (the commands write, in ./session.ts). */
export function openStore(storeDir: string = STORE_DIR): Promise<DiskStore> {
  return DiskStore.open(storeDir, { platform: { os: 'linux', architecture: 'amd64' } });
}
