/** The pull's read-ahead (src/registry/readAhead.ts): regrouping, its bound, errors and an early stop. */
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../src/registry/readAhead.js';

async function* source(sizes: number[], log: string[], failAt?: number): AsyncGenerator<Uint8Array> {
  try {
    for (const [i, n] of sizes.entries()) {
      if (i === failAt) throw new Error('broke off');
      log.push(`read ${i}`);
      yield new Uint8Array(n).fill(i);
    }
  } finally {
    log.push('released');
  }
}

const collect = async (chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> => {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
};

describe('readAhead', () => {
  it('regroups small chunks into pieces of the given size, the bytes in order', async () => {
    const log: string[] = [];
    const pieces = await collect(readAhead(source([3, 3, 3, 3, 1], log), 5, 100));
    expect(pieces.map((p) => p.length)).toEqual([6, 6, 1]);
    expect([...pieces.flatMap((p) => [...p])]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4]);
    expect(log.at(-1)).toBe('released');
  });

  it('reads ahead of a slow consumer, but no more than its bound', async () => {
    const log: string[] = [];
    const it = readAhead(source([4, 4, 4, 4, 4, 4], log), 4, 8)[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 10));
    // One piece taken, two queued (8 bytes, the bound): the fourth is read only when one is taken.
    expect(log).toEqual(['read 0', 'read 1', 'read 2']);
    await it.next();
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['read 0', 'read 1', 'read 2', 'read 3']);
    await it.return?.(undefined);
  });

  it('passes the source\'s error on after the pieces before it; an early stop releases the source', async () => {
    await expect(collect(readAhead(source([2, 2, 2], [], 2), 2, 100))).rejects.toThrow('broke off');
    const log: string[] = [];
    for await (const _ of readAhead(source([2, 2, 2, 2], log), 2, 2)) break;
    await new Promise((r) => setTimeout(r, 10));
    expect(log.at(-1)).toBe('released');
    expect(log).not.toContain('read 3');
  });
  it('with recycle, a piece\'s buffer is used again once the consumer asks for the next piece, the bytes still in order', async () => {
    const seen: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    let pieces = 0;
    for await (const p of readAhead(source([3, 3, 3, 3, 3, 3, 3, 3, 1], []), 5, 6, true)) {
      // Read after the producer has run ahead: a piece in the consumer's hands is not overwritten.
      await new Promise((r) => setTimeout(r, 1));
      seen.push([...p]);
      buffers.add(p.buffer);
      pieces++;
    }
    expect(seen.flat()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8]);
    expect(pieces).toBe(5);
    // Four gathered pieces (the last is a single chunk, passed on as it came) in fewer buffers.
    expect(buffers.size).toBeLessThan(pieces);
  });
});
