import { DomainError } from '../../errors/index.js';
import { applyMode } from '../../shell/index.js';

/**
 * A mode as chmod(1) takes it: octal (`755`, `0644`) or symbolic (`u+x`, `go-w`, `a=r,u+w`),
 * applied to the current mode by the same rule the RUN shell's chmod follows (src/shell/mode.ts).
 */
export function parseMode(text: string, current: number, isDir = false): number {
  const mode = applyMode(text, current, isDir);
  if (mode === undefined) throw new DomainError('InvalidArgumentError', `invalid mode: ${text}`, { mode: text });
  return mode;
}
