import { fsOps, layerStack } from '../../../src/testing/index.js';

// Long operation sequences over bigger stacks (four names, depth 4): short sequences rarely
// reach the states that only many operations build, where the restore and copyFile bugs hid.
const NAMES = ['a', 'b', 'c', 'd'];
export const LONG_STACK = layerStack({ maxEntriesPerLayer: 10, maxDepth: 4, names: NAMES });
export const LONG_OPS = fsOps({ maxLength: 40, maxDepth: 4, names: NAMES });
