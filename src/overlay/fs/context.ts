import { FsError } from '../../errors/index.js';

/**
 * Runs `body`, giving an engine error the Node context (syscall, path, dest) once, here at the
 * edge, as memfs and zen-fs do; the engine itself throws bare codes.
 */
export function withContext<T>(syscall: string, path: string | undefined, dest: string | undefined, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof FsError) e.withContext(syscall, path, dest);
    throw e;
  }
}
