/**
 * Node's modules that only some commands need, reached on their first use instead of imported.
 * An `import` loads its module at every start of the CLI, and these cost milliseconds each
 * (crypto loads some twenty internal modules); a no-op re-push uses none of them. Node keeps
 * the module once loaded, so a call after the first is a lookup.
 */
export const nodeCrypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');
export const nodeZlib = (): typeof import('node:zlib') => process.getBuiltinModule('node:zlib');
/** node:fs/promises loads Node's readline and file-watching modules with it. */
export const nodeFsPromises = (): typeof import('node:fs/promises') => process.getBuiltinModule('node:fs/promises');
