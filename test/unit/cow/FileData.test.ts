import { describe, expect, it } from 'vitest';
import { FileData } from '../../../src/cow/index.js';
import { BLOCK_SIZE, BytesContent } from '../../../src/layer/index.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FileData.sameBytesAs', () => {
  const lower = new BytesContent(bytes('hello world'));

  it('is true over its own content and after writing the same bytes back', () => {
    const data = FileData.over(lower);
    expect(data.sameBytesAs(lower)).toBe(true);
    data.write(0, bytes('hello'));
    expect(data.pristine).toBe(false);
    expect(data.sameBytesAs(lower)).toBe(true);
    expect(data.sameBytesAs(new BytesContent(bytes('hello world')))).toBe(true);
  });

  it('is false after a change of bytes or size', () => {
    const written = FileData.over(lower);
    written.write(6, bytes('there'));
    expect(written.sameBytesAs(lower)).toBe(false);
    const truncated = FileData.over(lower);
    truncated.truncate(5);
    expect(truncated.sameBytesAs(lower)).toBe(false);
    expect(truncated.sameBytesAs(new BytesContent(bytes('hello')))).toBe(true);
  });

  it('compares across blocks of a large file', () => {
    const big = new BytesContent(new Uint8Array(3 * BLOCK_SIZE).fill(7));
    const data = FileData.over(big);
    data.write(2 * BLOCK_SIZE + 1, new Uint8Array([7]));
    expect(data.sameBytesAs(big)).toBe(true);
    data.write(BLOCK_SIZE + 5, new Uint8Array([8]));
    expect(data.sameBytesAs(big)).toBe(false);
  });
});
