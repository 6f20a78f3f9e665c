import { DomainError } from '../errors/index.js';

/** Where in a Containerfile something went wrong (1-based, as editors count). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * A build that cannot go on: a syntax error, an unknown instruction, a missing context file, a
 * failing RUN. The message is one line that starts with `FILE:LINE:COLUMN: `, as compilers
 * print it, so editors and terminals can jump to it.
 */
export class BuildError extends DomainError {
  readonly position: SourcePosition | undefined;

  constructor(message: string, position?: SourcePosition, data: Record<string, unknown> = {}) {
    super('BuildError', position === undefined ? message : `${position.file}:${position.line}:${position.column}: ${message}`, { ...data, ...(position ?? {}) });
    this.position = position;
  }
}
