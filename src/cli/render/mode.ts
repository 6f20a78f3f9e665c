import { DomainError } from '../../errors/index.js';

/**
 * A mode as chmod(1) takes it: octal (`755`, `0644`) or symbolic (`u+x`, `go-w`, `a=r,u+w`),
 * applied to the current mode.
 */
export function parseMode(text: string, current: number, isDir = false): number {
  if (/^[0-7]{1,4}$/.test(text)) return parseInt(text, 8);
  let mode = current & 0o7777;
  for (const clause of text.split(',')) {
    const m = /^([ugoa]*)((?:[-+=][rwxXst]*)+)$/.exec(clause);
    if (m === null) throw new DomainError('InvalidArgumentError', `invalid mode: ${text}`, { mode: text });
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    for (const op of m[2]!.match(/[-+=][rwxXst]*/g)!) {
      const sign = op[0]!;
      let bits = 0;
      for (const p of op.slice(1)) {
        for (const w of who) {
          const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
          if (p === 'r') bits |= 4 << shift;
          if (p === 'w') bits |= 2 << shift;
          if (p === 'x' || (p === 'X' && (isDir || (current & 0o111) !== 0))) bits |= 1 << shift;
          if (p === 's' && w === 'u') bits |= 0o4000;
          if (p === 's' && w === 'g') bits |= 0o2000;
          if (p === 't' && w === 'o') bits |= 0o1000;
        }
      }
      if (sign === '+') mode |= bits;
      else if (sign === '-') mode &= ~bits;
      else {
        let clear = 0;
        for (const w of who) clear |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007;
        mode = (mode & ~clear) | bits;
      }
    }
  }
  return mode;
}
