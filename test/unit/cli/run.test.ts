import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/run.js';
import { Layer } from '../../../src/layer/index.js';
import { captureIo } from './helpers.js';

const env = (store: string): Record<string, string> => ({ OVERLAY_STORE: store, SOURCE_DATE_EPOCH: '1700000000' });

describe('run (in process)', () => {
  it('prints help and version on stdout with exit code 0', async () => {
    const c = captureIo();
    expect(await run(['--help'], c.io)).toBe(0);
    expect(c.stdout()).toMatch(/^overlay <command> \[options\]/);
    const v = captureIo();
    expect(await run(['--version'], v.io)).toBe(0);
    expect(v.stdout()).toBe('0.1.0\n');
  });

  it('reports usage errors with exit code 2 and runtime errors with 1, one line each', async () => {
    const c = captureIo();
    expect(await run(['cat', 'only-one'], c.io)).toBe(2);
    expect(c.stderr()).toBe('overlay: cat: Missing required argument: path\nRun "overlay cat --help" for usage.\n');
    const store = join(mkdtempSync(join(tmpdir(), 'overlay-run-')), 's');
    const d = captureIo(env(store));
    expect(await run(['cat', 'nothing', '/x'], d.io)).toBe(1);
    expect(d.stderr()).toBe(`overlay: new store created at ${store} (there was none; --store or OVERLAY_STORE chooses the store)\noverlay: cat: no such container or image: nothing\n`);
    const e = captureIo({ SOURCE_DATE_EPOCH: 'yesterday' });
    expect(await run(['images'], e.io)).toBe(2);
    expect(e.stderr()).toMatch(/SOURCE_DATE_EPOCH must be whole seconds/);
  });

  it('imports from stdin and lists the image', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'overlay-run-')), 's');
    const tar = Layer.fromEntries([{ path: '/hello', type: 'file', content: 'world' }]).toTar();
    const imp = captureIo(env(store), tar);
    const code = await run(['import', '-', 'hello:1', '--json'], imp.io);
    // The store did not exist: the one notice is that it was made (nothing else on stderr).
    expect(imp.stderr()).toBe(`overlay: new store created at ${store} (there was none; --store or OVERLAY_STORE chooses the store)\n`);
    expect(code).toBe(0);
    const result = JSON.parse(imp.stdout()) as { names: string[]; entries: number };
    expect(result.names).toEqual(['hello:1']);
    const cat = captureIo(env(store));
    const catCode = await run(['cat', 'hello:1', '/hello'], cat.io);
    expect(cat.stderr()).toBe('');
    expect(catCode).toBe(0);
    expect(cat.stdout()).toBe('world');
  });
});
