import { describe, expect, it } from 'vitest';
import { verbsToLoad } from '../../../src/cli/run.js';

// run.ts loads only the module of the verb a command line names; every other case loads all.
describe('verbsToLoad', () => {
  it('names the verb after the global options', () => {
    expect(verbsToLoad(['ls', '-R', 'c', '/'])).toEqual(['ls']);
    expect(verbsToLoad(['--store', 'ls', 'images'])).toEqual(['images']);
    expect(verbsToLoad(['--store=s', '--json', 'cat', 'c', '/x'])).toEqual(['cat']);
    expect(verbsToLoad(['append', 'c', '/x', 'data'])).toEqual(['append']);
  });

  it('loads none for a lone --version', () => {
    expect(verbsToLoad(['--version'])).toEqual([]);
  });

  it('loads every verb for help, an unknown word or an option it does not know', () => {
    expect(verbsToLoad([])).toBeUndefined();
    expect(verbsToLoad(['--help'])).toBeUndefined();
    expect(verbsToLoad(['lss', 'c'])).toBeUndefined();
    expect(verbsToLoad(['--bogus', 'ls'])).toBeUndefined();
    expect(verbsToLoad(['--version', 'ls'])).toBeUndefined();
  });
});
