import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/host/index.js';

describe('writeFileAtomic', () => {
  it('writes through a temporary file and leaves none behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-atomic-'));
    const tmp = join(dir, 'tmp');
    const target = join(dir, 'sub', 'file');
    writeFileAtomic(target, new TextEncoder().encode('one'), tmp);
    writeFileAtomic(target, [new Uint8Array([116, 119]), new Uint8Array([111])], tmp);
    expect(readFileSync(target, 'utf8')).toBe('two');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('keeps the old file when writing fails midway', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-atomic-'));
    const target = join(dir, 'file');
    writeFileAtomic(target, new TextEncoder().encode('old'), dir);
    function* failing(): Iterable<Uint8Array> {
      yield new TextEncoder().encode('ne');
      throw new Error('disk on fire');
    }
    expect(() => writeFileAtomic(target, failing(), join(dir, 'tmp'))).toThrow('disk on fire');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(existsSync(join(dir, 'tmp')) ? readdirSync(join(dir, 'tmp')) : []).toEqual([]);
  });
});
