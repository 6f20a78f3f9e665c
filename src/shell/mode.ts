/** chmod(1)'s modes, for the shell's chmod and the CLI's `chmod`, `write --mode`, `mkdir --mode`. */
/**
 * A new mode from an octal or symbolic mode (`u+x,go-w`, `a=r`, `+X`), as chmod(1) computes
 * it; undefined when the text is not a mode.
 */
export function applyMode(spec: string, mode: number, isDir: boolean): number | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let result = mode & 0o7777;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=][rwxXst]*|[-+=][ugo])+)$/.exec(clause);
    if (m === null) return undefined;
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    // Without u/g/o, umask (0022) applies to + and = (chmod(1) "SYMBOLIC MODES").
    const mask = m[1] === '' ? ~0o022 : ~0;
    for (const action of m[2]!.match(/[-+=][^-+=]*/g)!) {
      const op = action[0]!;
      let bits = 0;
      for (const p of action.slice(1)) {
        if (p === 'u' || p === 'g' || p === 'o') {
          const shift = { u: 6, g: 3, o: 0 }[p];
          const perm = (result >> shift) & 7;
          for (const w of who) bits |= perm << { u: 6, g: 3, o: 0 }[w as 'u' | 'g' | 'o'];
          continue;
        }
        for (const w of who) {
          const shift = { u: 6, g: 3, o: 0 }[w as 'u' | 'g' | 'o'];
          if (p === 'r') bits |= 4 << shift;
          else if (p === 'w') bits |= 2 << shift;
          else if (p === 'x' || (p === 'X' && (isDir || (result & 0o111) !== 0))) bits |= 1 << shift;
          else if (p === 's' && w !== 'o') bits |= w === 'u' ? 0o4000 : 0o2000;
          else if (p === 't' && w === 'o') bits |= 0o1000;
        }
      }
      if (op !== '-') bits &= mask;
      if (op === '+') result |= bits;
      else if (op === '-') result &= ~bits;
      else {
        let clear = 0;
        for (const w of who) clear |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007;
        result = (result & ~clear) | bits;
      }
    }
  }
  return result;
}
