/**
 * The public API is exactly the names listed in src/index.ts (pinned as isomorphic-git pins
 * its exports in test-exports.js): a name added or dropped there changes this snapshot, and
 * the change is reviewed (`vitest -u` rewrites it).
 * The `overlay/memfs` entry is pinned the same way.
 */
import { describe, expect, it } from 'vitest';

describe('public exports', () => {
  it('overlay (src/index.ts)', async () => {
    expect(Object.keys(await import('../../src/index.js')).sort()).toMatchInlineSnapshot(`
      [
        "BLOCK_SIZE",
        "BuildError",
        "BytesContent",
        "Dirent",
        "DomainError",
        "FileHandle",
        "FsError",
        "Layer",
        "Overlay",
        "PatchedContent",
        "ShellSyntaxError",
        "Stats",
        "Store",
        "build",
        "builtinCommands",
        "chainId",
        "chainIds",
        "constants",
        "defaultSha256",
        "findNativeSha256",
        "flatten",
        "isDigest",
        "memoryBackend",
        "memoryContext",
        "nobleSha256",
        "parseContainerfile",
        "runShell",
        "setDefaultSha256",
        "sha256Digest",
        "whatIf",
      ]
    `);
  });

  it('overlay/memfs (src/interop/index.ts)', async () => {
    expect(Object.keys(await import('../../src/interop/index.js')).sort()).toMatchInlineSnapshot(`
      [
        "layerToVolume",
        "overlayToVolume",
        "volumeToLayer",
      ]
    `);
  });
});
