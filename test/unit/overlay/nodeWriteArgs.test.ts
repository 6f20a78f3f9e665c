/**
 * How Node's writeSync, writevSync and readvSync read their position argument (lib/fs.js and
 * node_file.cc): only a safe integer ≥ 0 is a position; a negative, fractional, unsafe or
 * non-number one means "at the fd's offset", as libuv treats any offset < 0. The buffer form
 * checks its offset and length first. Found by the widened conformance generator
 * (fdWrite at -2, CI seed 966239977).
 */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Overlay } from '../../../src/overlay/index.js';
import { Layer } from '../../../src/layer/index.js';

const dir = mkdtempSync(join(tmpdir(), 'overlay-writeargs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const overlay = new Overlay({ lowers: [Layer.fromEntries([])] });

type Fs = Pick<typeof nodeFs, 'openSync' | 'writeSync' | 'writevSync' | 'readvSync' | 'closeSync' | 'readFileSync' | 'writeFileSync'>;
type Call = (fs: Fs, fd: number) => unknown;

const X = (): Buffer => Buffer.from('XY');
const cases: Record<string, Call> = {
  'string at -2': (fs, fd) => fs.writeSync(fd, 'X', -2),
  'string at -1': (fs, fd) => fs.writeSync(fd, 'X', -1),
  'string at 1.5': (fs, fd) => fs.writeSync(fd, 'X', 1.5),
  'string at 2**53': (fs, fd) => fs.writeSync(fd, 'X', 2 ** 53),
  'string at NaN': (fs, fd) => fs.writeSync(fd, 'X', NaN),
  'string at Infinity': (fs, fd) => fs.writeSync(fd, 'X', Infinity),
  'string at "2"': (fs, fd) => fs.writeSync(fd, 'X', '2' as unknown as number),
  'string at 2': (fs, fd) => fs.writeSync(fd, 'X', 2),
  'string at 9 (a hole)': (fs, fd) => fs.writeSync(fd, 'X', 9),
  'buffer at -2': (fs, fd) => fs.writeSync(fd, X(), 0, 1, -2),
  'buffer at 1.5': (fs, fd) => fs.writeSync(fd, X(), 0, 1, 1.5),
  'buffer at NaN': (fs, fd) => fs.writeSync(fd, X(), 0, 1, NaN),
  'buffer at 2**53': (fs, fd) => fs.writeSync(fd, X(), 0, 1, 2 ** 53),
  'buffer at 2': (fs, fd) => fs.writeSync(fd, X(), 1, 1, 2),
  'buffer, options at -2': (fs, fd) => fs.writeSync(fd, X(), { position: -2 } as never),
  'buffer, offset past the end': (fs, fd) => fs.writeSync(fd, X(), 3, 0, 0),
  'buffer, length past the end': (fs, fd) => fs.writeSync(fd, X(), 1, 2, 0),
  'writev at -2': (fs, fd) => fs.writevSync(fd, [X()], -2),
  'writev at 1.5': (fs, fd) => fs.writevSync(fd, [X()], 1.5),
  'writev at 2': (fs, fd) => fs.writevSync(fd, [X()], 2),
  'readv at -2': (fs, fd) => fs.readvSync(fd, [Buffer.alloc(3)], -2),
  'readv at 1.5': (fs, fd) => fs.readvSync(fd, [Buffer.alloc(3)], 1.5),
  'readv at 1': (fs, fd) => fs.readvSync(fd, [Buffer.alloc(3)], 1),
};

/** Each call on a fresh 'abcdef' file opened w+ at offset 2: what it returned and the file after. */
function outcomes(fs: Fs, root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, call] of Object.entries(cases)) {
    const path = `${root}/f`;
    fs.writeFileSync(path, 'abcdef');
    const fd = fs.openSync(path, 'r+');
    fs.readvSync(fd, [Buffer.alloc(2)]); // the fd's offset is now 2
    let result: unknown;
    try {
      result = call(fs, fd);
    } catch (e) {
      result = (e as { code?: string }).code;
    }
    // A write at the fd's offset moves it; the next plain write shows where it went.
    fs.writeSync(fd, '!');
    fs.closeSync(fd);
    out[name] = [result, fs.readFileSync(path, 'latin1')];
  }
  return out;
}

describe("Node's write position: only a safe integer ≥ 0 positions, anything else writes at the offset", () => {
  it('writeSync, writevSync and readvSync answer as Node does on a real file', () => {
    const expected = outcomes(nodeFs, dir);
    expect(expected['string at -2']).toEqual([1, 'abX!ef']);
    expect(outcomes(overlay.fs as unknown as Fs, '')).toEqual(expected);
  });
});

describe('readFileSync of a sparse file past 2 GiB', () => {
  it('refuses with ERR_FS_FILE_TOO_LARGE before reading, by path and by fd, as Node does', () => {
    const answers = (fs: Fs, root: string): unknown[] => {
      const path = `${root}/sparse`;
      const fd = fs.openSync(path, 'w+');
      fs.writeSync(fd, 'X', 2 ** 40);
      const out = [fs.readFileSync, (p: string) => fs.readFileSync(fd)].map((read) => {
        try {
          return (read as (p: string) => unknown)(path);
        } catch (e) {
          return [(e as { code?: string }).code, e instanceof RangeError];
        }
      });
      fs.closeSync(fd);
      return out;
    };
    const expected = answers(nodeFs, dir);
    expect(expected).toEqual([['ERR_FS_FILE_TOO_LARGE', true], ['ERR_FS_FILE_TOO_LARGE', true]]);
    expect(answers(overlay.fs as unknown as Fs, '')).toEqual(expected);
  });
});
