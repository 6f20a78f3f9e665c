import { dirname, resolve } from 'node:path';
import { DomainError } from '../../errors/index.js';
import { writeChunksAtomic, type Progress } from '../../host/index.js';
import type { Context } from '../context.js';

/**
 * Writes an archive to `-o FILE` (atomically: a temporary file beside it, then rename; the
 * temporary file is removed on an error and on Ctrl-C) or to stdout, refusing a terminal (as
 * `docker save` and `docker export` do). Chunks are written as they come, never gathered.
 */
export async function writeOutput(ctx: Context, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, progress: Progress): Promise<{ path: string | undefined; bytes: number }> {
  const output = ctx.optStr('output');
  let bytes = 0;
  if (output !== undefined && output !== '-') {
    const path = resolve(ctx.io.cwd, output);
    try {
      bytes = await writeChunksAtomic(path, chunks, dirname(path), (n) => progress.tick(n));
    } finally {
      progress.done();
    }
    return { path, bytes };
  }
  if (ctx.io.stdout.isTTY) {
    throw new DomainError('InvalidArgumentError', 'refusing to write a tar archive to a terminal: use -o FILE or redirect stdout');
  }
  try {
    for await (const chunk of chunks) {
      ctx.io.stdout.write(chunk);
      bytes += chunk.length;
      progress.tick(chunk.length);
      await ctx.io.stdout.drain();
    }
  } finally {
    progress.done();
  }
  return { path: undefined, bytes };
}
