/**
 * NAME_MAX (255) counts the bytes of a name in UTF-8, as Linux does (Node hands the kernel
 * UTF-8): a name of 200 `é` is 400 bytes and too long although it is 200 UTF-16 units. The same
 * rule is checked against this machine's kernel through the flat reference
 * (test/property/flatReference.test.ts, directed cases).
 */
import { describe, expect, it } from 'vitest';
import { Layer, Overlay } from '../../../src/index.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const TOO_LONG = [
  'é'.repeat(200), // 400 bytes, 200 units
  'é'.repeat(128), // 256 bytes
  '€'.repeat(85) + 'a', // 256 bytes, 86 units
  '😀'.repeat(64), // 256 bytes, 128 units
];
const LONGEST = [
  'é'.repeat(127) + 'a', // 255 bytes
  '€'.repeat(85), // 255 bytes, 85 units
  '😀'.repeat(63) + 'abc', // 255 bytes
  'a'.repeat(255),
];

describe('NAME_MAX counts UTF-8 bytes', () => {
  it('refuses names over 255 bytes in every kind of call', () => {
    const ov = new Overlay({ lowers: [Layer.fromEntries([{ path: '/d', type: 'dir' }])] });
    for (const name of TOO_LONG) {
      // was: accepted (only 'a'.repeat(256) and longer were refused)
      expect(code(() => ov.fs.writeFileSync(`/d/${name}`, 'x'))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.mkdirSync(`/${name}`))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.symlinkSync('d', `/${name}`))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.renameSync('/d', `/${name}`))).toBe('ENAMETOOLONG');
      // the fast read path and the general walk alike
      expect(code(() => ov.fs.statSync(`/d/${name}`))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.statSync(`/d/./${name}`))).toBe('ENAMETOOLONG');
      expect(code(() => ov.fs.readFileSync(`/${name}/x`))).toBe('ENAMETOOLONG');
      expect(ov.fs.existsSync(`/${name}`)).toBe(false);
    }
    expect(ov.fs.readdirSync('/d')).toEqual([]);
  });

  it('accepts names of exactly 255 bytes', () => {
    const ov = new Overlay();
    for (const name of LONGEST) {
      ov.fs.writeFileSync(`/${name}`, name);
      expect(ov.fs.readFileSync(`/${name}`, 'utf8')).toBe(name);
      expect(ov.fs.statSync(`/./${name}`).isFile()).toBe(true);
    }
    expect(ov.fs.readdirSync('/').sort()).toEqual([...LONGEST].sort());
  });
});
