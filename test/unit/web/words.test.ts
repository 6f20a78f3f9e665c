import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../src/cli/index.js';
import { overlayArgv, quoteWord, splitWords } from '../../../src/web/ui/words.js';

describe("the page's shell words", () => {
  it('quotes a word as the CLI quotes it, and splits it back to the same word', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', '/', '.', '-', ' ', "'", '"', '\\', '$', '`', '\n', 'é', '!', '*') }), (word) => {
        expect(quoteWord(word)).toBe(shellQuote(word));
        if (word !== '') expect(splitWords(quoteWord(word))).toEqual([word]);
      }),
    );
  });

  it('drops a leading overlay and keeps quoted blanks', () => {
    expect(overlayArgv(`overlay write web /etc/motd 'hello world'`)).toEqual(['write', 'web', '/etc/motd', 'hello world']);
  });
});
