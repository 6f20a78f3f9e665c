/**
 * Which process a pid is, so a lock can tell its owner from a later process that got the same
 * pid (after the owner was killed, or after a reboot: pid 1 is always alive). On Linux a
 * process is the pid plus its start time (proc(5), /proc/[pid]/stat, field 22 "starttime", in
 * clock ticks since boot) plus the boot it belongs to (/proc/sys/kernel/random/boot_id).
 * Elsewhere these are `undefined` and only the pid is compared.
 */
import { readFileSync } from 'node:fs';

/** Whether a process with this pid exists on this machine. */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The start time of a process in clock ticks since boot (proc(5), field 22 of /proc/[pid]/stat). */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[22 - 3]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

let bootIdCache: string | null | undefined;

/** This boot's random ID (changes at every reboot), or `undefined` where there is none. */
export function bootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

/**
 * Whether the process that was `pid`, started at `startTicks` in the boot whose ID starts with
 * `boot`, is provably gone: that boot is over, the pid is free, or it is now another process
 * (another start time). `false` when it is alive or cannot be told (no /proc).
 */
export function processGone(pid: number, startTicks?: number, boot?: string): boolean {
  const ours = bootId();
  if (boot !== undefined && ours !== undefined && !ours.startsWith(boot)) return true;
  if (!processAlive(pid)) return true;
  if (startTicks === undefined) return false;
  const ticks = processStartTicks(pid);
  return ticks !== undefined && ticks !== startTicks;
}

/** Clock ticks per second of /proc times: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/**
 * When a process started, in milliseconds since the epoch (boot time from /proc/stat "btime",
 * in whole seconds, plus its start ticks), or `undefined` where /proc is not there.
 */
export function processStartedAt(pid: number): number | undefined {
  const ticks = processStartTicks(pid);
  if (ticks === undefined) return undefined;
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return btime === null ? undefined : Number(btime[1]) * 1000 + (ticks * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}
