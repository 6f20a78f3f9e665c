/**
 * A typed command line as argv, the way a POSIX shell splits words: blanks separate words,
 * '…' keeps everything, "…" keeps everything but \" \\ \$ \`, and \ escapes one character.
 * A leading `overlay` is dropped (the terminal runs only overlay's verbs).
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated quote (\')');
      word += line.slice(i + 1, end);
      i = end;
      started = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && /["\\$`]/.test(line[j + 1] ?? '')) j++;
        word += line[j];
      }
      if (j >= line.length) throw new Error('unterminated quote (")');
      i = j;
      started = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (c === ' ' || c === '\t') {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/**
 * A word as a POSIX shell needs it written, so `splitWords` reads it back: the rule of the
 * CLI's own `shellQuote` (src/cli/demo/Player.ts; test/unit/web/words.test.ts checks they
 * agree), kept here so the first render does not load the CLI.
 */
export function quoteWord(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  return `"${arg.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
}

/** The argv for overlay's `run`: the words after an optional leading `overlay`. */
export function overlayArgv(line: string): string[] {
  const words = splitWords(line);
  return words[0] === 'overlay' ? words.slice(1) : words;
}
