/** The `code` of what `fn` throws (an errno like ENOENT, or Node's ERR_*), undefined when it returns. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}
