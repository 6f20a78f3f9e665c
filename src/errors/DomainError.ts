/**
 * Errors about data rather than file operations: a malformed or hostile layer tar, a digest
 * that does not match, an image store that is not what it claims. Each has a stable `code` and
 * a `data` payload so callers (and the CLI) can react without parsing messages.
 */
export type DomainErrorCode =
  | 'LayerFormatError'
  | 'LayerTooLargeError'
  | 'UnsafeTarEntryError'
  | 'DigestMismatchError'
  | 'ImageFormatError'
  | 'NotFoundError'
  | 'InvalidArgumentError'
  | 'StoreLockedError'
  | 'ShellSyntaxError'
  | 'RegistryError'
  | 'BuildError'
  | 'StoreReadOnlyError';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: DomainErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.data = data;
  }
}
