/**
 * Pattern matching (XCU 2.13 "Pattern Matching Notation"): `*`, `?`, `[...]` with `!`/`^`
 * negation. Patterns arrive with quoted characters backslash-escaped, so `"*"` stays literal.
 */
import type { OverlayFs } from '../overlay/index.js';
import { resolve } from './io.js';

/** Escapes the characters a pattern treats specially. */
export function escapePattern(text: string): string {
  return text.replace(/[\\*?[\]]/g, '\\$&');
}

/** The pattern with its escapes removed (what a word that matched nothing becomes). */
export function unescapePattern(pattern: string): string {
  return pattern.replace(/\\(.)/gs, '$1');
}

/** True when the pattern has an unescaped `*`, `?` or `[`. */
export function hasMagic(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** A JS regex source for the pattern; `slash` says whether `*`, `?` may match `/`. */
export function patternSource(pattern: string, slash = false): string {
  const any = slash ? '[^]' : '[^/]';
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (c === '*') out += `${any}*`;
    else if (c === '?') out += any;
    else if (c === '[') {
      const end = bracketEnd(pattern, i);
      if (end < 0) out += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        let negate = '';
        if (body.startsWith('!') || body.startsWith('^')) {
          negate = '^';
          body = body.slice(1);
        }
        out += `[${negate}${body.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, '\\$&').replace(/\[:(\w+):\\\]/g, (_m, cls: string) => CLASSES[cls] ?? '')}]`;
        i = end;
      }
    } else out += escapeRegex(c);
  }
  return out;
}

const CLASSES: Record<string, string> = { alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v', xdigit: '0-9A-Fa-f' };

function bracketEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      if (close > 0) i = close + 1;
    } else if (pattern[i] === ']') return i;
  }
  return -1;
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function matchPattern(pattern: string, text: string): boolean {
  return new RegExp(`^${patternSource(pattern, true)}$`, 'u').test(text);
}

/**
 * Pathname expansion (XCU 2.6.6) against the overlay: the sorted matches, or an empty list when
 * nothing matches (the caller then keeps the word). A leading `.` must be matched explicitly.
 */
export function expandPathname(fs: OverlayFs, cwd: string, pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/');
  // Each candidate: the text to return and the path to look at.
  let found: { shown: string; path: string }[] = [{ shown: absolute ? '/' : '', path: absolute ? '/' : cwd }];
  segments.forEach((segment, index) => {
    if (index === 0 && absolute) return;
    const last = index === segments.length - 1;
    const next: { shown: string; path: string }[] = [];
    for (const { shown, path } of found) {
      const join = (name: string): { shown: string; path: string } => ({
        shown: shown === '' || shown.endsWith('/') ? shown + name : `${shown}/${name}`,
        path: resolve(path, name),
      });
      if (segment === '') {
        if (shown !== '' && !shown.endsWith('/')) next.push({ shown: shown + '/', path: path.endsWith('/') ? path : path + '/' });
        continue;
      }
      if (!hasMagic(segment)) {
        next.push(join(unescapePattern(segment)));
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(path);
      } catch {
        continue;
      }
      const re = new RegExp(`^${patternSource(segment)}$`, 'u');
      const dotOk = segment.startsWith('.') || segment.startsWith('\\.');
      for (const name of names.sort()) {
        if (name.startsWith('.') && !dotOk) continue;
        if (re.test(name)) next.push(join(name));
      }
    }
    found = last ? next : next.filter((c) => fs.statSync(c.path, { throwIfNoEntry: false })?.isDirectory() === true);
  });
  return found.filter((c) => fs.lstatSync(c.path, { throwIfNoEntry: false }) !== undefined).map((c) => c.shown).sort(byBytes);
}

function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
