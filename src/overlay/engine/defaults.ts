import { DEFAULT_DIR_META, type Meta } from '../../layer/index.js';

/** Attributes of the overlay root when no layer gives its own (a fresh 0755 root-owned dir). */
export const DEFAULT_ROOT_META: Meta = DEFAULT_DIR_META;
