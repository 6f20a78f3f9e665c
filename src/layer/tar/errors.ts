import { DomainError } from '../../errors/index.js';

/** A `LayerFormatError`, naming the path when there is one. */
export function formatError(text: string, path?: string): DomainError {
  return path === undefined
    ? new DomainError('LayerFormatError', text)
    : new DomainError('LayerFormatError', `${text}: ${path}`, { path });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
