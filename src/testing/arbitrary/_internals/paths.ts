import * as fc from 'fast-check';

/** Default name alphabet: few names, so layers and ops collide on the same paths. */
export const DEFAULT_NAMES: readonly string[] = ['a', 'b', 'c'];

/**
 * Names beyond ASCII, for `names`: UTF-8 characters of 2 (`é`), 3 (`€`) and 4 (`𝄞`) bytes,
 * and names of exactly 255 bytes (NAME_MAX: 127 `é` and one `a`; 85 `€`) and 256 bytes (128
 * `é`), far fewer UTF-16 units than bytes. `layerStack` leaves the 256-byte name out of layers
 * (no filesystem can hold it); ops use it and must meet ENAMETOOLONG.
 */
export const UTF8_NAMES: readonly string[] = ['a', 'é', '€', '𝄞', 'é'.repeat(127) + 'a', '€'.repeat(85), 'é'.repeat(128)];

const NAME_MAX = 255;
const encoder = new TextEncoder();

/** Names a filesystem can hold: at most NAME_MAX bytes of UTF-8 (include/uapi/linux/limits.h). */
export function storableNames(names: readonly string[]): string[] {
  return names.filter((n) => encoder.encode(n).length <= NAME_MAX);
}

/**
 * `/a`, `/a/b`, … with 1..maxDepth components drawn from `names` (never `.` or `..`). Shallow
 * paths are likelier, so that independently drawn paths meet: with 4 names there are 4 paths of
 * depth 1 but 64 of depth 3. `depthWeights[i]` weighs depth i+1 (the last weight repeats).
 */
export function cleanPathArb(names: readonly string[], maxDepth: number, depthWeights: readonly number[] = [4, 4, 1]): fc.Arbitrary<string> {
  const name = fc.constantFrom(...names);
  const byDepth = Array.from({ length: Math.max(1, maxDepth) }, (_, i) => ({
    weight: depthWeights[Math.min(i, depthWeights.length - 1)]!,
    arbitrary: fc.array(name, { minLength: i + 1, maxLength: i + 1 }).map((parts) => '/' + parts.join('/')),
  }));
  return fc.oneof(...byDepth);
}

/** `a`, `a/b`: relative, downward only (a `..` could climb above a kernel mount's root). */
export function relativePathArb(names: readonly string[], maxDepth: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: Math.max(1, maxDepth - 1) }).map((parts) => parts.join('/'));
}

/**
 * Symlink targets: relative and absolute, possibly dangling (`zz` is never generated as a
 * name), possibly a directory, `.` or the root, possibly with a trailing slash. Never `..`:
 * the kernel lets `..` climb from a mount's root into the host, the emulator cannot.
 */
export function symlinkTargetArb(names: readonly string[], maxDepth: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: relativePathArb(names, maxDepth) },
    { weight: 4, arbitrary: cleanPathArb(names, maxDepth) },
    { weight: 1, arbitrary: fc.constantFrom('zz', '/zz', `${names[0] ?? 'a'}/zz`, '.', '/', `${names[0] ?? 'a'}/`, `/${names[1] ?? 'b'}/`) },
  );
}

/** Short file data: mostly printable, sometimes empty. */
export function contentArb(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('', 'x', 'hello\n', ':xxx:yyy:zzz') },
    { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  );
}
