import type { Volume } from 'memfs';

/** The permission checks of a memfs inode, which memfs applies even to uid 0. */
interface PermissionChecks {
  canRead: (...args: unknown[]) => boolean;
  canWrite: (...args: unknown[]) => boolean;
  canExecute: (...args: unknown[]) => boolean;
}

const ALLOW = (): boolean => true;
/** Lifted checks by prototype (one per memfs copy loaded), with how many callers are inside. */
const lifted = new Map<PermissionChecks, { depth: number; saved: PermissionChecks }>();

function checksOf(vol: Volume): PermissionChecks | undefined {
  const core = (vol as { _core?: { root?: { getNode?: () => unknown } } })._core;
  const node = core?.root?.getNode?.();
  if (node === undefined || node === null) return undefined;
  const proto = Object.getPrototypeOf(node) as Partial<PermissionChecks> | null;
  if (typeof proto?.canRead !== 'function' || typeof proto.canWrite !== 'function' || typeof proto.canExecute !== 'function') return undefined;
  return proto as PermissionChecks;
}

/**
 * Runs `fn` with memfs's permission checks lifted, as root on Linux works (CAP_DAC_OVERRIDE):
 * converting a layer is what `tar` run by root does, and neither a 0o555 directory being
 * filled nor a 0o600 file of another owner being read may fail. memfs checks mode bits for
 * every uid, including 0. If this memfs has no such checks to lift, `fn` just runs.
 */
export function asRoot<T>(vol: Volume, fn: () => T): T {
  const checks = checksOf(vol);
  if (checks === undefined) return fn();
  let state = lifted.get(checks);
  if (state === undefined) {
    state = { depth: 0, saved: { canRead: checks.canRead, canWrite: checks.canWrite, canExecute: checks.canExecute } };
    lifted.set(checks, state);
    checks.canRead = checks.canWrite = checks.canExecute = ALLOW;
  }
  state.depth++;
  try {
    return fn();
  } finally {
    if (--state.depth === 0) {
      Object.assign(checks, state.saved);
      lifted.delete(checks);
    }
  }
}
