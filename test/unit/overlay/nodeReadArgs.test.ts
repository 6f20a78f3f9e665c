/**
 * Node's own argument checks, which come before any fd is looked at (lib/fs.js readSync,
 * writeFileSync): the emulator answers each call as Node's `fs` does on a real file. Found by
 * the widened conformance generator (test/conformance, fd scenarios).
 */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Overlay } from '../../../src/overlay/index.js';
import { Layer } from '../../../src/layer/index.js';

const dir = mkdtempSync(join(tmpdir(), 'overlay-readargs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'f'), 'hello');
nodeFs.mkdirSync(join(dir, 'd'));
const overlay = new Overlay({ lowers: [Layer.fromEntries([{ path: '/f', type: 'file', content: 'hello' }, { path: '/d', type: 'dir' }])] });

type Fs = Pick<typeof nodeFs, 'openSync' | 'readSync' | 'closeSync' | 'writeFileSync' | 'appendFileSync'>;
const outcome = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

/** The same calls on one fs: a file fd, a directory fd, a closed fd. */
function calls(fs: Fs, root: string): Record<string, unknown> {
  const file = fs.openSync(`${root}/f`, 'r');
  const d = fs.openSync(`${root}/d`, 'r');
  const closed = fs.openSync(`${root}/f`, 'r');
  fs.closeSync(closed);
  const buf = (n: number): Buffer => Buffer.alloc(n);
  const out: Record<string, unknown> = {
    'position 1.5': outcome(() => fs.readSync(file, buf(4), 0, 4, 1.5)),
    'position -2': outcome(() => fs.readSync(file, buf(4), 0, 4, -2)),
    'length -1': outcome(() => fs.readSync(file, buf(4), 0, -1, 0)),
    'length 1.5 reads 1': outcome(() => fs.readSync(file, buf(4), 0, 1.5, 0)),
    'offset past the buffer': outcome(() => fs.readSync(file, buf(4), 5, 1, 0)),
    'offset + length past the buffer': outcome(() => fs.readSync(file, buf(4), 2, 3, 0)),
    'empty buffer': outcome(() => fs.readSync(file, buf(0), 0, 1, 0)),
    'empty buffer on a directory': outcome(() => fs.readSync(d, buf(0), 0, 1, 0)),
    'length 0 on a closed fd': outcome(() => fs.readSync(closed, buf(4), 0, 0, 0)),
    'position 1.5 on a closed fd': outcome(() => fs.readSync(closed, buf(4), 0, 4, 1.5)),
    'a closed fd': outcome(() => fs.readSync(closed, buf(4), 0, 4, 0)),
    'writeFile of nothing to a closed fd': outcome(() => fs.writeFileSync(closed, '')),
    'appendFile of nothing to a closed fd': outcome(() => fs.appendFileSync(closed, '')),
    'writeFile of bytes to a closed fd': outcome(() => fs.writeFileSync(closed, 'x')),
  };
  fs.closeSync(file);
  fs.closeSync(d);
  return out;
}

describe("Node's argument checks come before the fd", () => {
  it('readSync and writeFileSync answer as Node does on a real file', () => {
    const expected = calls(nodeFs, dir);
    expect(expected['position 1.5']).toBe('ERR_OUT_OF_RANGE');
    expect(expected['writeFile of nothing to a closed fd']).toBeUndefined();
    expect(calls(overlay.fs as unknown as Fs, '')).toEqual(expected);
  });
});
